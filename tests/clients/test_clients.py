"""Applications and client grants: hashed secrets, rotation, grant scopes and tenancy (SPEC 2.6, 5)."""

import pytest
from django.core.exceptions import ValidationError

from clients.errors import ClientGrantConflict
from clients.models import SECRET_HASH_PURPOSE, Client, ClientGrant
from clients.services import client_create, client_grant_create, client_rotate_secret
from core import crypto
from tests import factories


def _stored_hash(client: Client) -> str:
    return Client.objects.filter(pk=client.pk).values_list("client_secret_hash", flat=True).get()


def test_secret_is_stored_as_a_keyed_hash(tenant):
    # when
    client, secret = factories.make_client(tenant, name="Hashed")

    # then
    stored = _stored_hash(client)
    assert len(secret) >= 43
    assert secret not in stored
    assert stored == crypto.keyed_hash(secret, purpose=SECRET_HASH_PURPOSE)
    assert stored != crypto.sha256_hex(secret)  # keyed: useless without SECRET_KEY


def test_secret_matches_only_the_right_secret(tenant):
    # given
    client, secret = factories.make_client(tenant, name="Matching")
    client = Client.objects.get(pk=client.pk)

    # then
    assert client.secret_matches(secret) is True
    assert client.secret_matches(secret + "x") is False
    assert client.secret_matches("") is False


def test_secret_still_matches_after_secret_key_rotation(tenant, settings):
    # given
    client, secret = factories.make_client(tenant, name="Fallback")
    old_key = settings.SECRET_KEY

    # when
    settings.SECRET_KEY = "a-brand-new-secret-key-for-this-test-0123456789"
    settings.SECRET_KEY_FALLBACKS = [old_key]

    # then
    assert Client.objects.get(pk=client.pk).secret_matches(secret) is True


def test_rotate_secret_invalidates_the_old_one(tenant):
    # given
    client, old_secret = factories.make_client(tenant, name="Rotating")

    # when
    new_secret = client_rotate_secret(client=client)

    # then
    stored = Client.objects.get(pk=client.pk)
    assert new_secret != old_secret
    assert stored.secret_matches(new_secret) is True
    assert stored.secret_matches(old_secret) is False


def test_grant_scope_must_be_a_subset_of_the_api_scopes(tenant, rs256_api):
    # given
    client, _ = factories.make_client(tenant, name="Greedy")

    # when
    with pytest.raises(ValidationError) as excinfo:
        client_grant_create(client=client, resource_server=rs256_api, scope=["read:items", "delete:items"])

    # then
    assert excinfo.value.message_dict == {
        "scope": ["Scopes not defined on API https://api.acme.test/: delete:items."]
    }
    assert not ClientGrant.objects.filter(client=client).exists()


def test_grant_with_a_subset_of_the_api_scopes_is_created(tenant, rs256_api):
    # given
    client, _ = factories.make_client(tenant, name="Reader")

    # when
    grant = client_grant_create(client=client, resource_server=rs256_api, scope=["read:items"])

    # then
    stored = ClientGrant.objects.get(pk=grant.pk)
    assert (stored.tenant, stored.client, stored.resource_server, stored.scope) == (
        tenant,
        client,
        rs256_api,
        ["read:items"],
    )
    assert stored.public_id.startswith("cgr_")


def test_grant_across_tenants_is_rejected(tenant, other_tenant):
    # given
    client, _ = factories.make_client(tenant, name="Acme M2M")
    other_api = factories.make_api(other_tenant, identifier="https://api.other.test/")

    # when
    with pytest.raises(ValidationError) as excinfo:
        client_grant_create(client=client, resource_server=other_api, scope=["read:items"])

    # then
    assert excinfo.value.messages == ["A client grant joins a client and an API of the same tenant."]
    assert not ClientGrant.objects.filter(client=client).exists()
    assert not ClientGrant.objects.filter(resource_server=other_api).exists()


def test_second_grant_for_the_same_api_is_a_conflict(tenant, rs256_api):
    # given
    client, _ = factories.make_client(tenant, name="Twice")
    first = client_grant_create(client=client, resource_server=rs256_api, scope=["read:items"])

    # when
    with pytest.raises(ClientGrantConflict) as excinfo:
        client_grant_create(client=client, resource_server=rs256_api, scope=["write:items"])

    # then
    assert excinfo.value.status == 409
    assert list(ClientGrant.objects.filter(client=client).values_list("pk", "scope")) == [
        (first.pk, ["read:items"])
    ]


def test_public_client_cannot_use_client_credentials(tenant):
    # when
    with pytest.raises(ValidationError) as excinfo:
        factories.make_client(tenant, name="Public M2M", token_endpoint_auth_method="none")

    # then
    assert excinfo.value.message_dict == {
        "grant_types": ["A public client (token_endpoint_auth_method none) cannot use client_credentials."]
    }
    assert not Client.objects.filter(name="Public M2M").exists()


@pytest.mark.parametrize(
    ("app_type", "expected"),
    [
        ("non_interactive", ["implicit", "authorization_code", "refresh_token", "client_credentials"]),
        ("regular_web", ["implicit", "authorization_code", "refresh_token", "client_credentials"]),
        ("spa", ["implicit", "authorization_code", "refresh_token"]),
        ("native", ["implicit", "authorization_code", "refresh_token"]),
    ],
)
def test_client_without_grant_types_gets_auth0s_defaults(tenant, app_type, expected):
    # when: created without grant_types, as Auth0's Management API allows
    client, _ = client_create(tenant=tenant, name="Defaults", app_type=app_type)
    # then: public clients (spa, native) get no client_credentials
    assert client.grant_types == expected


def test_a_grant_created_concurrently_for_the_same_api_is_a_conflict(tenant, rs256_api, monkeypatch):
    # given: another request commits the same grant while this one is validating its own
    client, _ = factories.make_client(tenant, name="Racing")
    real_full_clean = ClientGrant.full_clean

    def full_clean_while_a_competitor_commits(self, *args, **kwargs):
        ClientGrant.objects.bulk_create(
            [ClientGrant(tenant=tenant, client=client, resource_server=rs256_api, public_id="cgr_competitor")]
        )
        return real_full_clean(self, *args, **kwargs)

    monkeypatch.setattr(ClientGrant, "full_clean", full_clean_while_a_competitor_commits)

    # when
    with pytest.raises(ClientGrantConflict) as excinfo:
        client_grant_create(client=client, resource_server=rs256_api, scope=["read:items"])

    # then
    assert excinfo.value.status == 409
    # and nothing was written: the simulated competitor ran inside this transaction, so it went too
    assert not ClientGrant.objects.filter(client=client).exists()
