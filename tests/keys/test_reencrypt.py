"""`reencrypt_secrets` (SPEC section 4): every private key and HS256 secret moves under the first
encryption key in one transaction, so that an old encryption key can be dropped."""

import datetime as dt
from dataclasses import dataclass

import jwt
import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.utils import timezone

from apis.models import ResourceServer
from apis.services import resource_server_rotate_secret
from core import crypto
from tenants.models import SigningKey, Tenant
from tenants.services import signing_key_revoke, signing_keys_rotate
from tests import factories
from tests.conftest import App
from tests.keys.conftest import kid_of, run, token_for
from tokens.issuing import keyring
from tokens.verification import hs256_jwt_verify


def new_key() -> str:
    return Fernet.generate_key().decode()


def stored_ciphertexts() -> list[str]:
    keys = SigningKey.objects.order_by("pk").values_list("private_key_encrypted", flat=True)
    apis = ResourceServer.objects.order_by("pk").values_list(
        "signing_secret_encrypted", "previous_signing_secret_encrypted"
    )
    return [*keys, *(value for pair in apis for value in pair if value)]


@dataclass
class World:
    tenant: Tenant
    rs256_api: ResourceServer
    hs256_api: ResourceServer
    app: App
    plaintexts: list[str]
    hs256_secrets: tuple[str, str]  # current, previous


@pytest.fixture
def old_key(settings) -> str:
    key = new_key()
    settings.AUTHPORT_KEY_ENCRYPTION_KEYS = [key]
    return key


@pytest.fixture
def world(db, old_key) -> World:
    """Keys in every state and an HS256 API with a previous secret, all encrypted under `old_key` only."""
    tenant = factories.make_tenant("crypt")
    rs256 = factories.make_api(tenant, identifier="https://rs.crypt.test/", signing_alg="RS256")
    hs256 = factories.make_api(tenant, identifier="https://hs.crypt.test/", signing_alg="HS256")
    factories.make_api(tenant, identifier="https://es.crypt.test/", signing_alg="ES256")
    first_current = kid_of(tenant, "RS256", "current")
    signing_keys_rotate(tenant=tenant)
    signing_keys_rotate(tenant=tenant)
    signing_key_revoke(tenant=tenant, kid=first_current)  # revoked, previous, current and next keys
    resource_server_rotate_secret(api=hs256, grace_seconds=3600)
    client, secret = factories.make_client(tenant, name="M2M")
    factories.make_grant(client, rs256)
    factories.make_grant(client, hs256)
    plaintexts = [crypto.decrypt(c) for c in stored_ciphertexts()]
    hs256 = ResourceServer.objects.get(pk=hs256.pk)
    secrets = (hs256.signing_secret, hs256.previous_signing_secret)
    return World(tenant, rs256, hs256, App(client, secret), plaintexts, secrets)


def test_after_reencryption_the_old_key_can_be_dropped(client, settings, old_key, world):
    # given: a new key is put first; `old` still decrypts
    new = new_key()
    settings.AUTHPORT_KEY_ENCRYPTION_KEYS = [new, old_key]
    before = stored_ciphertexts()

    # when
    out = run("reencrypt_secrets")

    # then: per chain, two keys at creation and one per rotation (revoked ones included), and both secrets
    assert list(SigningKey.objects.order_by("alg", "pk").values_list("alg", "state")) == [
        ("ES256", "previous"),
        ("ES256", "previous"),
        ("ES256", "current"),
        ("ES256", "next"),
        ("RS256", "revoked"),
        ("RS256", "previous"),
        ("RS256", "current"),
        ("RS256", "next"),
    ]
    assert out == (
        "Re-encrypted under the first key of AUTHPORT_KEY_ENCRYPTION_KEYS: 8 signing keys, "
        "1 API signing secrets, 1 previous API signing secrets; cleared 0 expired previous secrets.\n"
    )
    after = stored_ciphertexts()
    assert len(after) == len(before) == 10
    assert all(a != b for a, b in zip(after, before, strict=True))
    assert [Fernet(new.encode()).decrypt(c.encode()).decode() for c in after] == world.plaintexts

    # when: the old key is dropped
    settings.AUTHPORT_KEY_ENCRYPTION_KEYS = [new]

    # then: every private key and secret still decrypts, and tokens still issue and verify
    assert [crypto.decrypt(c) for c in stored_ciphertexts()] == world.plaintexts
    keyring._private_keys.clear()  # tests reuse key pairs, so this process may hold one by kid already
    rs_token = token_for(client, world.app, world.rs256_api.identifier, slug="crypt")
    assert jwt.get_unverified_header(rs_token)["kid"] == kid_of(world.tenant, "RS256", "current")
    jwks = client.get("/crypt/.well-known/jwks.json").json()
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(rs_token)["kid"]]
    assert jwt.decode(rs_token, key.key, algorithms=["RS256"], audience="https://rs.crypt.test/")["aud"] == (
        "https://rs.crypt.test/"
    )
    hs_token = token_for(client, world.app, world.hs256_api.identifier, slug="crypt")
    api = ResourceServer.objects.get(pk=world.hs256_api.pk)
    assert hs256_jwt_verify(tenant=world.tenant, api=api, token=hs_token)["aud"] == "https://hs.crypt.test/"
    assert (api.signing_secret, api.previous_signing_secret) == world.hs256_secrets


def test_without_reencryption_dropping_the_old_key_breaks_decryption(settings, world):
    # given: the control case of the test above
    settings.AUTHPORT_KEY_ENCRYPTION_KEYS = [new_key()]

    # then
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted with any key"):
        crypto.decrypt(SigningKey.objects.filter(tenant=world.tenant).first().private_key_encrypted)


def test_expired_previous_secrets_are_cleared_not_reencrypted(settings, old_key, world):
    # given
    ResourceServer.objects.filter(pk=world.hs256_api.pk).update(
        previous_signing_secret_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    settings.AUTHPORT_KEY_ENCRYPTION_KEYS = [new_key(), old_key]

    # when
    out = run("reencrypt_secrets")

    # then
    assert out.endswith(
        "1 API signing secrets, 0 previous API signing secrets; cleared 1 expired previous secrets.\n"
    )
    api = ResourceServer.objects.get(pk=world.hs256_api.pk)
    assert (api.previous_signing_secret_encrypted, api.previous_signing_secret_expires_at) == ("", None)
    assert api.signing_secret == world.hs256_secrets[0]


def test_a_value_no_key_decrypts_fails_the_command_and_changes_nothing(settings, old_key, world):
    # given: a second tenant whose keys were written under a key that is not configured any more
    lost = new_key()
    settings.AUTHPORT_KEY_ENCRYPTION_KEYS = [lost]
    factories.make_tenant("lost")
    lost_kid = SigningKey.objects.filter(tenant__slug="lost").order_by("pk").first().kid
    settings.AUTHPORT_KEY_ENCRYPTION_KEYS = [new_key(), old_key]
    before = stored_ciphertexts()

    # when
    with pytest.raises(CommandError) as exc:
        run("reencrypt_secrets")

    # then: the whole transaction rolled back, the crypt tenant's keys included
    assert str(exc.value) == (
        f"The private key of signing key {lost_kid} (tenant lost) cannot be decrypted with any key in "
        "AUTHPORT_KEY_ENCRYPTION_KEYS. Nothing was re-encrypted."
    )
    assert stored_ciphertexts() == before


def test_an_undecryptable_api_secret_is_named(settings, old_key, world):
    # given
    ResourceServer.objects.filter(pk=world.hs256_api.pk).update(
        signing_secret_encrypted=Fernet(new_key().encode()).encrypt(b"x" * 43).decode()
    )
    before = stored_ciphertexts()

    # when
    with pytest.raises(CommandError) as exc:
        run("reencrypt_secrets")

    # then
    assert str(exc.value) == (
        "A signing secret of API https://hs.crypt.test/ (tenant crypt) cannot be decrypted with any key in "
        "AUTHPORT_KEY_ENCRYPTION_KEYS. Nothing was re-encrypted."
    )
    assert stored_ciphertexts() == before
