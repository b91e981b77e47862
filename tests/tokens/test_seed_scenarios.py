"""The four scenarios the product exists for, end to end (SPEC 2)."""

import jwt

from tests.tokens.conftest import OPAQUE_PREFIX, assert_oauth_error, userinfo_audience_of


def test_no_audience_with_openid_profile_gives_an_opaque_token_that_works_at_userinfo(
    client, end_user, password_body, issue, userinfo
):
    # given
    body = password_body(scope="openid profile")
    # when
    token = issue(body)["access_token"]
    resp = userinfo(token)
    # then
    assert token.startswith(OPAQUE_PREFIX)
    assert resp.status_code == 200
    assert resp.json()["sub"] == end_user.user_id


def test_rs256_api_audience_gives_a_jwt_for_the_api_and_userinfo(
    client, rs256_api, password_body, issue, verify
):
    # given
    body = password_body(audience=rs256_api.identifier, scope="openid profile")
    # when
    token = issue(body)["access_token"]
    # then
    discovery = client.get("/acme/.well-known/openid-configuration").json()
    claims = verify(token, audience=rs256_api.identifier)
    assert claims["iss"] == discovery["issuer"]
    assert claims["aud"] == [rs256_api.identifier, userinfo_audience_of("acme")]
    assert jwt.get_unverified_header(token)["alg"] == "RS256"


def test_hs256_api_audience_with_openid_is_rejected(hs256_api, password_body, token_request):
    # given
    body = password_body(audience=hs256_api.identifier, scope="openid profile")
    # when
    resp = token_request(body)
    # then
    error = assert_oauth_error(resp, 400, "invalid_request")
    assert hs256_api.identifier in error["error_description"]
    assert "id_token" not in error


def test_client_credentials_with_unregistered_audience_is_not_enabled(m2m_app, cc_body, token_request):
    # given
    body = cc_body(audience="https://unregistered.acme.test/")
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(
        resp, 403, "access_denied", "Service not enabled within domain: https://unregistered.acme.test/"
    )
