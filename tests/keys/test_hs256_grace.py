"""HS256 secret rotation with a grace period (SPEC section 4): new tokens use the new secret at once,
the old secret keeps verifying until its grace ends, and then never again."""

import datetime as dt

import jwt
import pytest
from django.utils import timezone

from apis.models import ResourceServer
from apis.selectors import hs256_previous_secret, hs256_verification_secrets
from apis.services import resource_server_rotate_secret
from tests.keys.conftest import run, token_for
from tokens.explanation.explain import explain_token
from tokens.verification import InvalidToken, hs256_jwt_verify


def fresh(api) -> ResourceServer:
    return ResourceServer.objects.get(pk=api.pk)


def expire_grace(api) -> None:
    """Let the grace period run out, as time would."""
    ResourceServer.objects.filter(pk=api.pk).update(
        previous_signing_secret_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )


def test_with_grace_the_old_secret_still_verifies_and_new_tokens_use_the_new_one(
    client, tenant, hs256_api, m2m_app
):
    # given: a token in flight, signed with the secret about to be rotated
    old_secret = hs256_api.signing_secret
    in_flight = token_for(client, m2m_app, hs256_api.identifier)

    # when
    run("rotate_api_secret", "--tenant", "acme", "--api", hs256_api.identifier, "--grace", "3600")
    issued_after = token_for(client, m2m_app, hs256_api.identifier)

    # then
    api = fresh(hs256_api)
    assert hs256_verification_secrets(api) == [api.signing_secret, old_secret]
    assert hs256_previous_secret(api) == (old_secret, api.previous_signing_secret_expires_at)
    assert hs256_jwt_verify(tenant=tenant, api=api, token=in_flight)["aud"] == hs256_api.identifier
    assert jwt.get_unverified_header(issued_after) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(
        issued_after,
        api.signing_secret,
        algorithms=["HS256"],
        audience=hs256_api.identifier,
        issuer=tenant.issuer,
    )
    assert claims["sub"] == f"{m2m_app.client_id}@clients"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(issued_after, old_secret, algorithms=["HS256"], audience=hs256_api.identifier)
    assert hs256_jwt_verify(tenant=tenant, api=api, token=issued_after) == claims


def test_with_zero_grace_the_old_secret_stops_verifying_at_once(client, tenant, hs256_api, m2m_app):
    # given
    in_flight = token_for(client, m2m_app, hs256_api.identifier)

    # when
    run("rotate_api_secret", "--tenant", "acme", "--api", hs256_api.identifier, "--grace", "0")

    # then
    api = fresh(hs256_api)
    assert hs256_verification_secrets(api) == [api.signing_secret]
    assert hs256_previous_secret(api) is None
    with pytest.raises(InvalidToken) as exc:
        hs256_jwt_verify(tenant=tenant, api=api, token=in_flight)
    assert str(exc.value) == (
        "The token's signature does not match the signing secret of API https://hs.acme.test/ "
        "(nor a previous secret still in its grace period)."
    )


def test_the_previous_secret_stops_verifying_when_its_grace_ends(client, tenant, hs256_api, m2m_app):
    # given
    in_flight = token_for(client, m2m_app, hs256_api.identifier)
    old_secret = hs256_api.signing_secret
    rotated = resource_server_rotate_secret(api=hs256_api, grace_seconds=60)
    expires_at = rotated.previous_signing_secret_expires_at

    # then: up to the expiry instant, and not from it on
    assert hs256_verification_secrets(rotated, now=expires_at - dt.timedelta(microseconds=1)) == [
        rotated.signing_secret,
        old_secret,
    ]
    assert hs256_verification_secrets(rotated, now=expires_at) == [rotated.signing_secret]
    assert hs256_previous_secret(rotated, now=expires_at) is None

    # when
    expire_grace(hs256_api)

    # then
    api = fresh(hs256_api)
    assert api.previous_signing_secret_encrypted != ""  # still stored, no longer used
    assert hs256_verification_secrets(api) == [api.signing_secret]
    with pytest.raises(InvalidToken):
        hs256_jwt_verify(tenant=tenant, api=api, token=in_flight)


@pytest.mark.parametrize(("grace", "keeps"), [(0, False), (600, True)], ids=["zero_grace_case", "grace_case"])
def test_the_next_rotation_clears_an_expired_previous_secret(hs256_api, grace, keeps):
    # given: a previous secret whose grace has run out
    expired_secret = hs256_api.signing_secret
    resource_server_rotate_secret(api=hs256_api, grace_seconds=60)
    expire_grace(hs256_api)
    current_secret = fresh(hs256_api).signing_secret

    # when
    rotated = resource_server_rotate_secret(api=fresh(hs256_api), grace_seconds=grace)

    # then: the expired secret is gone; with a grace, the secret just replaced takes its place
    api = fresh(hs256_api)
    assert expired_secret not in hs256_verification_secrets(api)
    assert api.previous_signing_secret == (current_secret if keeps else "")
    assert hs256_verification_secrets(api) == [rotated.signing_secret] + ([current_secret] if keeps else [])


def test_an_api_without_hs256_has_no_verification_secrets(rs256_api):
    # then
    assert hs256_verification_secrets(rs256_api) == []
    assert hs256_previous_secret(rs256_api) is None


def test_hs256_verification_refuses_other_algorithms_and_audiences(
    client, tenant, hs256_api, rs256_api, m2m_app
):
    # given
    rs256_token = token_for(client, m2m_app, rs256_api.identifier)
    other_audience = jwt.encode(
        {"iss": tenant.issuer, "sub": "x", "aud": "https://elsewhere.test/", "iat": 0, "exp": 2**31},
        hs256_api.signing_secret,
        algorithm="HS256",
    )

    # when
    with pytest.raises(InvalidToken) as wrong_alg:
        hs256_jwt_verify(tenant=tenant, api=hs256_api, token=rs256_token)
    with pytest.raises(InvalidToken) as wrong_aud:
        hs256_jwt_verify(tenant=tenant, api=hs256_api, token=other_audience)

    # then
    assert str(wrong_alg.value) == (
        "API https://hs.acme.test/ signs with HS256, so a token signed with RS256 is not one of its tokens."
    )
    assert str(wrong_aud.value) == "The token is invalid: Audience doesn't match."


def test_the_explainer_accepts_the_previous_secret_only_during_its_grace(client, tenant, hs256_api, m2m_app):
    # given: a token signed before the rotation
    in_flight = token_for(client, m2m_app, hs256_api.identifier)
    run("rotate_api_secret", "--tenant", "acme", "--api", hs256_api.identifier)

    # when
    during = explain_token(tenant=tenant, token=in_flight)["outcome"]["verifies"]
    expire_grace(hs256_api)
    after = explain_token(tenant=tenant, token=in_flight)["outcome"]["verifies"]

    # then
    assert (during, after) == (True, False)
