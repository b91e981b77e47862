"""/{slug}/userinfo refuses every token that is not this tenant's, live, for the userinfo audience (SPEC 1-3)."""

import base64
import datetime as dt
import json
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.test import Client as DjangoClient
from django.utils import timezone

from tests import factories
from tests.tokens.conftest import (
    OPAQUE_PREFIX,
    bearer_challenge,
    hand_signed,
    issuer_of,
    make_password_app,
    userinfo_audience_of,
)
from tokens.models import OpaqueAccessToken


def _assert_invalid_token(resp) -> None:
    assert resp.status_code == 401, (resp.status_code, resp.content[:300])
    assert bearer_challenge(resp)["error"] == "invalid_token"


def test_crafted_control_token_is_accepted(end_user, craft, userinfo):
    # given: the hand-made token every refusal below varies by one detail
    token = craft()
    # when
    resp = userinfo(token)
    # then
    assert resp.status_code == 200
    assert resp.json()["sub"] == end_user.user_id


@pytest.mark.parametrize("method", ["get", "post"])
def test_no_token_is_401_with_a_bearer_challenge(tenant, userinfo, method):
    # when
    resp = userinfo(None, method=method)
    # then
    assert resp.status_code == 401
    assert "error" not in bearer_challenge(resp)  # RFC 6750 section 3.1: no error code without a token


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b.c", OPAQUE_PREFIX + "x" * 43, OPAQUE_PREFIX, "eyJhbGciOiJSUzI1NiJ9.e30."],
    ids=["word_case", "three_parts_case", "unknown_opaque_case", "bare_prefix_case", "unsigned_case"],
)
def test_garbage_token_is_invalid_token(tenant, userinfo, token):
    # when
    resp = userinfo(token)
    # then
    _assert_invalid_token(resp)


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer  ", "Token abc"],
    ids=["basic_case", "empty_bearer_case", "blank_bearer_case", "other_scheme_case"],
)
def test_authorization_header_without_a_bearer_token_is_401(client, tenant, header):
    # when
    resp = client.get("/acme/userinfo", HTTP_AUTHORIZATION=header)
    # then
    assert resp.status_code == 401
    assert "error" not in bearer_challenge(resp)  # RFC 6750 section 3.1: no error code without a token


def test_api_jwt_without_userinfo_audience_is_refused(rs256_api, password_body, issue, userinfo):
    # given
    token = issue(password_body(audience=rs256_api.identifier, scope="read:items"))["access_token"]
    # when
    resp = userinfo(token)
    # then
    _assert_invalid_token(resp)


def test_client_credentials_jwt_is_refused(rs256_api, cc_body, issue, userinfo):
    # given
    token = issue(cc_body(audience=rs256_api.identifier))["access_token"]
    # when
    resp = userinfo(token)
    # then
    _assert_invalid_token(resp)


def test_id_token_is_not_an_access_token(password_body, issue, userinfo):
    # given
    id_token = issue(password_body(scope="openid profile"))["id_token"]
    # when
    resp = userinfo(id_token)
    # then
    _assert_invalid_token(resp)


def test_alg_none_is_refused(end_user, tenant, password_app, userinfo):
    # given
    now = int(time.time())
    claims = {
        "iss": issuer_of("acme"),
        "sub": end_user.user_id,
        "aud": userinfo_audience_of("acme"),
        "iat": now,
        "exp": now + 600,
        "azp": password_app.client_id,
        "scope": "openid profile",
    }
    token = hand_signed({"alg": "none", "typ": "JWT"}, claims, hmac_key=None)
    # when
    resp = userinfo(token)
    # then
    _assert_invalid_token(resp)


@pytest.mark.parametrize("what", ["public_key", "certificate"])
def test_hs256_signed_with_the_published_rsa_key_is_refused(
    end_user, tenant, password_app, jwks, userinfo, what
):
    # given: the alg-confusion attack, HMAC keyed with what the JWKS publishes
    jwk = next(k for k in jwks()["keys"] if k["alg"] == "RS256")
    der = base64.b64decode(jwk["x5c"][0])
    cert = x509.load_der_x509_certificate(der)
    if what == "certificate":
        pem = cert.public_bytes(serialization.Encoding.PEM)
    else:
        pem = cert.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    now = int(time.time())
    claims = {
        "iss": issuer_of("acme"),
        "sub": end_user.user_id,
        "aud": userinfo_audience_of("acme"),
        "iat": now,
        "exp": now + 600,
        "azp": password_app.client_id,
        "scope": "openid profile",
    }
    token = hand_signed({"alg": "HS256", "typ": "JWT", "kid": jwk["kid"]}, claims, hmac_key=pem)
    # when
    resp = userinfo(token)
    # then
    _assert_invalid_token(resp)


@pytest.mark.parametrize(
    "claims",
    [
        lambda now: {"exp": now - 5},
        lambda now: {"iss": "https://evil.example.test/"},
        lambda now: {"iss": issuer_of("other")},
        lambda now: {"iss": None},
        lambda now: {"aud": "https://api.acme.test/"},
        lambda now: {"exp": None},
        lambda now: {"nbf": now + 300},
    ],
    ids=[
        "expired_no_leeway_case",
        "foreign_issuer_case",
        "other_tenant_issuer_case",
        "no_issuer_case",
        "api_audience_case",
        "no_exp_case",
        "not_yet_valid_case",
    ],
)
def test_forged_or_stale_jwt_is_refused(craft, userinfo, claims):
    # given
    token = craft(claims=claims(int(time.time())))
    # when
    resp = userinfo(token)
    # then
    _assert_invalid_token(resp)


def test_jwt_with_an_unpublished_kid_is_refused(craft, userinfo):
    # given
    token = craft(header={"kid": "not-a-published-kid"})
    # when
    resp = userinfo(token)
    # then
    _assert_invalid_token(resp)


@pytest.mark.parametrize(
    "kid",
    ["a\x00b", "\ud800", "k" * 100_000],
    ids=["nul_case", "lone_surrogate_case", "huge_case"],
)
def test_jwt_with_a_kid_no_key_can_have_is_refused_before_any_lookup(
    craft, userinfo, kid, django_assert_num_queries
):
    # given: a kid that is not an RFC 7638 thumbprint (PostgreSQL refuses NUL, UTF-8 a lone surrogate)
    token = craft(header={"kid": kid})
    # when
    with django_assert_num_queries(1):  # the tenant only
        resp = userinfo(token)
    # then
    _assert_invalid_token(resp)
    assert resp.json()["error_description"] == (
        "The token's signing key is not one of this tenant's keys (no or unknown kid)."
    )


def test_tampered_jwt_is_refused(end_user, craft, userinfo):
    # given: a valid token whose payload was swapped after signing
    header, payload, signature = craft().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = factories.make_user(end_user.tenant, email="mallory@example.test").user_id
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    # when
    resp = userinfo(f"{header}.{forged}.{signature}")
    # then
    _assert_invalid_token(resp)


def test_jwt_signed_with_another_tenants_key_is_refused(other_tenant, craft, userinfo):
    # given: other's key, acme's issuer and audience
    token = craft(signing_tenant=other_tenant)
    # when
    resp = userinfo(token)
    # then
    _assert_invalid_token(resp)


@pytest.fixture
def other_tenant_tokens(other_tenant, issue):
    """An opaque token and an API JWT (with userinfo audience) for bob, issued by the other tenant."""
    factories.make_user(other_tenant, email="bob@example.test")
    app = make_password_app(other_tenant)
    api = factories.make_api(other_tenant, identifier="https://api.other.test/")
    body = {
        "grant_type": "password",
        "username": "bob@example.test",
        "password": factories.DEFAULT_PASSWORD,
        "scope": "openid profile",
        **app.creds,
    }
    opaque = issue(body, slug="other")["access_token"]
    jwt_token = issue({**body, "audience": api.identifier}, slug="other")["access_token"]
    return {"opaque": opaque, "jwt": jwt_token}


@pytest.mark.parametrize("kind", ["opaque", "jwt"])
def test_token_of_another_tenant_is_refused(tenant, other_tenant_tokens, userinfo, kind):
    # given
    token = other_tenant_tokens[kind]
    # when
    refused = userinfo(token, slug="acme")
    served = userinfo(token, slug="other")
    # then
    _assert_invalid_token(refused)
    assert served.status_code == 200


def test_expired_opaque_token_is_refused(password_body, issue, userinfo):
    # given
    token = issue(password_body(scope="openid profile"))["access_token"]
    assert userinfo(token).status_code == 200
    OpaqueAccessToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    # when
    resp = userinfo(token)
    # then
    _assert_invalid_token(resp)


def test_userinfo_post_needs_no_csrf_token(password_body, issue):
    # given
    token = issue(password_body(scope="openid"))["access_token"]
    client = DjangoClient(enforce_csrf_checks=True)
    # when
    resp = client.post("/acme/userinfo", HTTP_AUTHORIZATION=f"Bearer {token}")
    # then
    assert resp.status_code == 200


def test_unknown_tenant_userinfo_is_404(client, db):
    # when
    resp = client.get("/nosuch/userinfo", HTTP_AUTHORIZATION="Bearer x")
    # then
    assert resp.status_code == 404


@pytest.mark.parametrize(
    ("scope", "present", "absent"),
    [
        ("openid", {"sub"}, {"name", "email", "email_verified"}),
        ("openid profile", {"sub", "name"}, {"email", "email_verified"}),
        ("openid email", {"sub", "email", "email_verified"}, {"name"}),
    ],
    ids=["openid_case", "profile_case", "email_case"],
)
def test_userinfo_claims_follow_the_scope(end_user, password_body, issue, userinfo, scope, present, absent):
    # given
    token = issue(password_body(scope=scope))["access_token"]
    # when
    claims = userinfo(token).json()
    # then
    assert present <= set(claims)
    assert not absent & set(claims)
    if "email" in present:
        assert claims["email"] == "alice@example.test"
        assert claims["email_verified"] is True
