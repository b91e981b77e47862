"""Explaining a presented token (SPEC section 7): what it is, its key's state, and whether it verifies."""

import base64
import json
import time
from io import StringIO

import jwt
import pytest
from django.core.management import call_command

from tenants.keys import load_private_key
from tenants.selectors import signing_key_current
from tenants.services import signing_key_revoke, signing_keys_rotate
from tests.factories import DEFAULT_PASSWORD
from tokens.explanation.explain import explain_token


def token_for(client, tenant, **body) -> str:
    response = client.post(f"/{tenant.slug}/oauth/token", json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.json()
    return response.json()["access_token"]


def test_opaque_token_of_this_tenant_says_why_it_is_opaque(client, tenant, password_app, end_user, rs256_api):
    # given
    token = token_for(
        client,
        tenant,
        grant_type="password",
        username=end_user.email,
        password=DEFAULT_PASSWORD,
        scope="openid profile",
        **password_app.creds,
    )
    # when
    answer = explain_token(tenant=tenant, token=token)
    # then
    outcome = answer["outcome"]
    assert (outcome["format"], outcome["ours"], outcome["verifies"], outcome["expired"]) == (
        "opaque",
        True,
        True,
        False,
    )
    assert outcome["audiences"] == [tenant.userinfo_audience]
    assert outcome["scope"] == "openid profile"
    details = " ".join(s["detail"] for s in answer["steps"])
    assert "No audience was requested and the tenant has no Default Audience." in details
    assert end_user.email in details
    assert answer["fix"] == f"Request it with audience={rs256_api.identifier} to get a JWT."


def test_opaque_token_of_another_tenant_is_not_ours(client, tenant, other_tenant, password_app, end_user):
    # given
    token = token_for(
        client,
        tenant,
        grant_type="password",
        username=end_user.email,
        password=DEFAULT_PASSWORD,
        scope="openid",
        **password_app.creds,
    )
    # when
    answer = explain_token(tenant=other_tenant, token=token)
    # then
    assert (answer["outcome"]["format"], answer["outcome"]["ours"], answer["outcome"]["verifies"]) == (
        "opaque",
        False,
        False,
    )


def test_jwt_signed_with_current_key_verifies_and_names_the_key(client, tenant, m2m_app, rs256_api):
    # given
    token = token_for(
        client, tenant, grant_type="client_credentials", audience=rs256_api.identifier, **m2m_app.creds
    )
    # when
    answer = explain_token(tenant=tenant, token=token)
    # then
    outcome = answer["outcome"]
    assert outcome["kid"] == signing_key_current(tenant=tenant, alg="RS256").kid
    assert (outcome["format"], outcome["alg"], outcome["key_state"]) == ("jwt", "RS256", "current")
    assert (outcome["verifies"], outcome["expired"], outcome["ours"]) == (True, False, True)
    assert outcome["audiences"] == [rs256_api.identifier]
    assert outcome["issuer"] == tenant.issuer


def test_jwt_after_rotation_is_previous_and_after_revocation_stops_verifying(
    client, tenant, m2m_app, rs256_api
):
    # given
    token = token_for(
        client, tenant, grant_type="client_credentials", audience=rs256_api.identifier, **m2m_app.creds
    )
    kid = jwt.get_unverified_header(token)["kid"]
    signing_keys_rotate(tenant=tenant)
    # when / then
    assert explain_token(tenant=tenant, token=token)["outcome"]["key_state"] == "previous"
    assert explain_token(tenant=tenant, token=token)["outcome"]["verifies"] is True
    signing_key_revoke(tenant=tenant, kid=kid)
    answer = explain_token(tenant=tenant, token=token)
    assert (answer["outcome"]["key_state"], answer["outcome"]["verifies"]) == ("revoked", False)
    assert answer["fix"] == "Its signing key was revoked: request a new token."


def test_hs256_jwt_verifies_with_the_api_secret(client, tenant, m2m_app, hs256_api):
    # given
    token = token_for(
        client, tenant, grant_type="client_credentials", audience=hs256_api.identifier, **m2m_app.creds
    )
    # when
    answer = explain_token(tenant=tenant, token=token)
    # then
    assert (answer["outcome"]["alg"], answer["outcome"]["kid"], answer["outcome"]["verifies"]) == (
        "HS256",
        None,
        True,
    )


def test_expired_jwt_does_not_verify(tenant, rs256_api):
    # given
    key = signing_key_current(tenant=tenant, alg="RS256")
    now = int(time.time())
    claims = {
        "iss": tenant.issuer,
        "sub": "x",
        "aud": rs256_api.identifier,
        "iat": now - 100,
        "exp": now - 10,
    }
    token = jwt.encode(
        claims, load_private_key(key.kid, key.private_key_encrypted), "RS256", headers={"kid": key.kid}
    )
    # when
    answer = explain_token(tenant=tenant, token=token)
    # then
    assert (answer["outcome"]["expired"], answer["outcome"]["verifies"], answer["outcome"]["key_state"]) == (
        True,
        False,
        "current",
    )
    assert answer["fix"] == "Request a new token."


@pytest.mark.parametrize(
    ("make_token", "summary"),
    [
        (
            lambda t: jwt.encode({"iss": t.issuer, "sub": "x"}, None, algorithm="none"),
            "An unsigned JWT (alg none): never valid.",
        ),
        (
            lambda t: jwt.encode({"iss": "https://evil.test/", "sub": "x"}, "s" * 32, algorithm="HS256"),
            "A JWT from another issuer.",
        ),
        (lambda t: "not-a-token", "This is not a token Authport issued."),
        (lambda t: "a.b.c", "A malformed JWT."),
    ],
    ids=["alg-none", "other-issuer", "garbage", "malformed"],
)
def test_tokens_that_are_not_ours_are_named_as_such(tenant, make_token, summary):
    # when
    answer = explain_token(tenant=tenant, token=make_token(tenant))
    # then
    assert answer["summary"] == summary
    assert answer["outcome"]["verifies"] is False
    assert answer["outcome"]["ours"] is False


def _hand_made(header: dict, claims: dict) -> str:
    """A JWT put together by hand (unsigned), for headers and claims PyJWT will not write."""

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}.c2ln"


@pytest.mark.parametrize(
    ("header", "claims", "key_state", "expires_at"),
    [
        ({"alg": "RS256", "kid": "k"}, {"exp": 1e300}, "unknown", None),
        ({"alg": "RS256", "kid": "k"}, {"exp": 10**17}, "unknown", None),
        ({"alg": "RS256", "kid": "a\x00b"}, {"exp": 0}, "unknown", "1970-01-01T00:00:00+00:00"),
        ({"alg": "RS256", "kid": "k" * 5000}, {}, "unknown", None),
        ({"alg": "HS256"}, {"aud": ["a\x00b", "https://hs.acme.test/"]}, None, None),
    ],
    ids=[
        "float_exp_out_of_range_case",
        "int_exp_out_of_range_case",
        "nul_kid_case",
        "huge_kid_case",
        "nul_audience_case",
    ],
)
def test_hostile_jwt_of_this_issuer_is_explained_not_500(
    client, tenant, hs256_api, header, claims, key_state, expires_at
):
    # given: the explainer reads header and claims before any signature check
    from provisioning.services import MANAGEMENT_SCOPES
    from tests.management.conftest import token_for as management_token

    bearer = management_token(tenant, MANAGEMENT_SCOPES)
    token = _hand_made(header, {"iss": tenant.issuer, "sub": "x", **claims})
    # when
    response = client.post(
        f"/{tenant.slug}/api/v2/token-explanations",
        json.dumps({"token": token}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {bearer}",
    )
    # then
    assert response.status_code == 200, response.content[:300]
    outcome = response.json()["outcome"]
    assert (outcome["ours"], outcome["verifies"], outcome["key_state"], outcome["expires_at"]) == (
        True,
        False,
        key_state,
        expires_at,
    )


@pytest.mark.parametrize(
    ("header", "claims"),
    [
        ({"alg": "RS256", "kid": "\ud800"}, {}),
        ({"alg": "HS256"}, {"aud": ["\ud800"]}),
        ({"alg": "RS256"}, {"exp": float("nan")}),
        ({"alg": "RS256"}, {"scope": float("inf")}),
    ],
    ids=["lone_surrogate_kid_case", "lone_surrogate_audience_case", "nan_exp_case", "infinite_scope_case"],
)
def test_jwt_with_text_or_numbers_json_cannot_hold_is_malformed(client, tenant, header, claims):
    # given: Python's json reads these, but they are not JSON and would break the answer's own JSON
    from provisioning.services import MANAGEMENT_SCOPES
    from tests.management.conftest import token_for as management_token

    bearer = management_token(tenant, MANAGEMENT_SCOPES)
    token = _hand_made(header, {"iss": tenant.issuer, "sub": "x", **claims})
    # when
    response = client.post(
        f"/{tenant.slug}/api/v2/token-explanations",
        json.dumps({"token": token}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {bearer}",
    )
    # then
    assert response.status_code == 200, response.content[:300]
    assert response.json()["summary"] == "A malformed JWT."
    assert response.json()["outcome"]["verifies"] is False


def test_the_command_prints_the_expiry_and_whether_it_verifies(client, tenant, m2m_app, rs256_api):
    # given
    token = token_for(
        client, tenant, grant_type="client_credentials", audience=rs256_api.identifier, **m2m_app.creds
    )
    expires_at = explain_token(tenant=tenant, token=token)["outcome"]["expires_at"]
    out = StringIO()

    # when
    call_command("explain_token", "--tenant", tenant.slug, "--token", token, stdout=out)

    # then
    lines = out.getvalue().splitlines()
    assert f"Expires at {expires_at} (not expired)." in lines
    assert "Verifies: yes." in lines
