"""Signing-key rotation and revocation: state transitions, the JWKS, Authport's own verification (SPEC 4)."""

import jwt
import pytest
from django.utils import timezone

from tenants.errors import SigningKeyNotFound, SigningKeyStateError
from tenants.models import SigningKey
from tenants.services import ChainRotation, signing_key_revoke, signing_keys_rotate
from tenants.verification import InvalidToken, jwt_verify
from tests.keys.conftest import key_rows, kid_of, kids_in, token_for


def jwks_kids(client, slug: str = "acme") -> list[str]:
    resp = client.get(f"/{slug}/.well-known/jwks.json")
    assert resp.status_code == 200
    return [k["kid"] for k in resp.json()["keys"]]


def test_rotation_moves_every_chain_one_state_along(tenant, es256_api):
    # given: an RS256 and an ES256 chain, each with a current and a next key
    before = {
        alg: (kid_of(tenant, alg, "current"), kid_of(tenant, alg, "next")) for alg in ("ES256", "RS256")
    }
    started = timezone.now()

    # when
    rotations = signing_keys_rotate(tenant=tenant)

    # then: per chain, current -> previous, next -> current, and a new next
    finished = timezone.now()
    assert rotations == [
        ChainRotation(
            alg=alg,
            previous_kid=before[alg][0],
            current_kid=before[alg][1],
            next_kid=kid_of(tenant, alg, "next"),
        )
        for alg in ("ES256", "RS256")
    ]
    for alg, (old_current, old_next) in before.items():
        previous = SigningKey.objects.get(kid=old_current)
        current = SigningKey.objects.get(kid=old_next)
        new_next = SigningKey.objects.get(tenant=tenant, alg=alg, state="next")
        assert (previous.state, current.state) == ("previous", "current")
        assert new_next.kid not in before[alg]
        assert started <= previous.current_until <= finished
        assert previous.current_since < started
        assert started <= current.current_since <= finished
        assert current.current_until is None
        assert (new_next.current_since, new_next.current_until, new_next.revoked_at) == (None, None, None)
        assert new_next.public_jwk["alg"] == alg
        assert [k.revoked_at for k in (previous, current)] == [None, None]


def test_rotating_twice_keeps_both_previous_keys_published(client, tenant):
    # given
    first_current, first_next = kid_of(tenant, "RS256", "current"), kid_of(tenant, "RS256", "next")

    # when
    first = signing_keys_rotate(tenant=tenant)
    second = signing_keys_rotate(tenant=tenant)

    # then: a rotation never takes a key out of the JWKS; only revocation does
    assert [r.current_kid for r in second] == [first[0].next_kid]
    assert kids_in(tenant, "previous") == [first_current, first_next]
    assert kids_in(tenant, "current") == [first[0].next_kid]
    assert kids_in(tenant, "next") == [second[0].next_kid]
    assert jwks_kids(client) == [first_current, first_next, first[0].next_kid, second[0].next_kid]


def test_jwks_lists_next_current_and_previous_but_not_revoked_keys(client, tenant):
    # given
    old_current = kid_of(tenant, "RS256", "current")
    signing_keys_rotate(tenant=tenant)
    current, next_ = kid_of(tenant, "RS256", "current"), kid_of(tenant, "RS256", "next")
    assert jwks_kids(client) == [old_current, current, next_]
    before = timezone.now()

    # when
    revoked = signing_key_revoke(tenant=tenant, kid=old_current)

    # then
    assert revoked.kid == old_current
    key = SigningKey.objects.get(kid=old_current)
    assert key.state == "revoked"
    assert before <= key.revoked_at <= timezone.now()
    assert key.current_until is not None
    assert jwks_kids(client) == [current, next_]


def test_the_next_key_is_published_a_whole_rotation_before_it_signs(client, tenant, rs256_api, m2m_app):
    # given: the JWKS as a verifier cached it before the rotation
    cached = jwks_kids(client)

    # when
    signing_keys_rotate(tenant=tenant)
    token = token_for(client, m2m_app, rs256_api.identifier)

    # then
    assert jwt.get_unverified_header(token)["kid"] == cached[1]
    assert cached == [kids_in(tenant, "previous")[0], kids_in(tenant, "current")[0]]


def test_tokens_of_a_previous_key_verify_until_it_is_revoked(client, tenant, rs256_api, m2m_app):
    # given: a token signed with the current key, which a rotation then makes previous
    old_kid = kid_of(tenant, "RS256", "current")
    token = token_for(client, m2m_app, rs256_api.identifier)
    signing_keys_rotate(tenant=tenant)
    assert (
        jwt_verify(tenant=tenant, token=token, audience=rs256_api.identifier)["aud"] == rs256_api.identifier
    )

    # when
    signing_key_revoke(tenant=tenant, kid=old_kid)

    # then: Authport reads the key's state with every verification, so it refuses at once
    with pytest.raises(InvalidToken) as exc:
        jwt_verify(tenant=tenant, token=token, audience=rs256_api.identifier)
    assert str(exc.value) == "The token's signing key is not one of this tenant's keys (unknown or revoked)."


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        pytest.param(
            "current",
            "Only a previous key can be revoked: key {kid} is the current RS256 key, which signs new tokens. "
            "Rotate first so that it becomes previous, then revoke it.",
            id="current_case",
        ),
        pytest.param(
            "next",
            "Only a previous key can be revoked: key {kid} is the next RS256 key, published ahead so that "
            "verifiers know it before it signs; it becomes current at the next rotation.",
            id="next_case",
        ),
    ],
)
def test_revoking_a_key_that_is_not_previous_is_refused_and_changes_nothing(tenant, state, reason):
    # given
    kid = kid_of(tenant, "RS256", state)
    before = key_rows(tenant)

    # when
    with pytest.raises(SigningKeyStateError) as exc:
        signing_key_revoke(tenant=tenant, kid=kid)

    # then
    assert exc.value.message == reason.format(kid=kid)
    assert (exc.value.code, exc.value.status) == ("invalid_state", 400)
    assert key_rows(tenant) == before


def test_revoking_a_revoked_key_again_is_refused(tenant):
    # given
    kid = kid_of(tenant, "RS256", "current")
    signing_keys_rotate(tenant=tenant)
    signing_key_revoke(tenant=tenant, kid=kid)
    before = key_rows(tenant)

    # when
    with pytest.raises(SigningKeyStateError) as exc:
        signing_key_revoke(tenant=tenant, kid=kid)

    # then
    assert exc.value.message == f"Only a previous key can be revoked: key {kid} is already revoked."
    assert key_rows(tenant) == before


def test_another_tenants_key_is_not_found_and_not_revoked(tenant, other_tenant):
    # given: a previous key of the other tenant
    kid = kid_of(other_tenant, "RS256", "current")
    signing_keys_rotate(tenant=other_tenant)
    before = key_rows(other_tenant)

    # when
    with pytest.raises(SigningKeyNotFound) as exc:
        signing_key_revoke(tenant=tenant, kid=kid)

    # then
    assert exc.value.message == "Signing key not found."
    assert key_rows(other_tenant) == before


def test_rotating_one_tenant_leaves_the_others_keys_alone(tenant, other_tenant):
    # given
    before = key_rows(other_tenant)

    # when
    signing_keys_rotate(tenant=tenant)

    # then
    assert key_rows(other_tenant) == before
