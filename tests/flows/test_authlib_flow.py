"""The whole browser flow, driven as a browser and an OIDC client would, with Authlib's OAuth2Session
against the live server: authorize, the login form, the code with PKCE S256, silent renewal with
prompt=none, refresh with rotation and reuse detection, revocation and logout."""

import secrets
from urllib.parse import urlsplit

import jwt
import pytest
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests import factories
from tests.flows.conftest import parse_form, web_message_payload

CALLBACK = "http://127.0.0.1:9/callback"  # never contacted: the test reads the redirect itself
SPA_ORIGIN = "http://127.0.0.1:9"


@pytest.fixture
def setup(live_issuer, tenant, end_user):
    api = factories.make_api(
        tenant, identifier="https://api.acme.test/", name="Acme API", allow_offline_access=True
    )
    spa, _ = factories.make_client(
        tenant,
        name="SPA",
        app_type="spa",
        grant_types=["authorization_code", "refresh_token"],
        callbacks=[CALLBACK],
        web_origins=[SPA_ORIGIN],
        allowed_origins=[SPA_ORIGIN],
        allowed_logout_urls=[f"{SPA_ORIGIN}/bye"],
    )
    return live_issuer, api, spa


def _session(spa) -> OAuth2Session:
    return OAuth2Session(
        client_id=spa.client_id,
        redirect_uri=CALLBACK,
        scope="openid profile email offline_access",
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )


def _jwks_verify(base: str, session: OAuth2Session, token: str, audience: str) -> dict:
    jwks = session.get(f"{base}/acme/.well-known/jwks.json", withhold_token=True).json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(jwt.PyJWK(k) for k in jwks["keys"] if k["kid"] == kid)
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=f"{base}/acme/")


def test_browser_flow_with_authlib(setup):
    base, api, spa = setup
    authorize_url = f"{base}/acme/authorize"
    token_url = f"{base}/acme/oauth/token"
    # A requests.Session: it keeps the cookies, as a browser does. Closed at the end, so the live
    # server's keep-alive threads (and their database connections) end with the test.
    with _session(spa) as browser:
        _run_flow(browser, base, api, spa, authorize_url, token_url)


def _run_flow(browser, base, api, spa, authorize_url, token_url):

    # Authorize: no session yet, so the login form.
    verifier = secrets.token_urlsafe(48)
    url, state = browser.create_authorization_url(
        authorize_url, code_verifier=verifier, audience=api.identifier, nonce="nonce-1"
    )
    page = browser.get(url, allow_redirects=False, withhold_token=True)
    assert page.status_code == 200
    form = parse_form(page.text)
    assert form.fields["code_challenge"] == create_s256_code_challenge(verifier)

    # The login form, posted with its CSRF token and cookie.
    data = {**form.fields, "email": "alice@example.test", "password": factories.DEFAULT_PASSWORD}
    signed_in = browser.post(base + form.action, data=data, allow_redirects=False, withhold_token=True)
    assert signed_in.status_code == 302
    callback = signed_in.headers["Location"]
    assert callback.startswith(CALLBACK + "?code=")

    # The code, exchanged with the verifier.
    first = browser.fetch_token(
        token_url, authorization_response=callback, code_verifier=verifier, state=state
    )
    first_claims = _jwks_verify(base, browser, first["access_token"], api.identifier)
    assert first_claims["aud"] == [api.identifier, f"{base}/acme/userinfo"]
    id_claims = _jwks_verify(base, browser, first["id_token"], spa.client_id)
    assert id_claims["nonce"] == "nonce-1"
    assert first["refresh_token"].startswith("authport_rt_")

    # Silent re-authorization (prompt=none, web_message): the same audience, from the session alone.
    verifier2 = secrets.token_urlsafe(48)
    url2, state2 = browser.create_authorization_url(
        authorize_url,
        code_verifier=verifier2,
        audience=api.identifier,
        nonce="nonce-2",
        prompt="none",
        response_mode="web_message",
    )
    silent = browser.get(url2, allow_redirects=False, withhold_token=True)
    assert silent.status_code == 200
    message, target_origin = web_message_payload(silent)
    assert target_origin == SPA_ORIGIN
    assert message["response"]["state"] == state2
    second = browser.fetch_token(token_url, code=message["response"]["code"], code_verifier=verifier2)
    assert _jwks_verify(base, browser, second["access_token"], api.identifier)["aud"] == first_claims["aud"]

    # Refresh: the original audience, and a new refresh token.
    refreshed = browser.refresh_token(token_url, refresh_token=first["refresh_token"])
    assert (
        _jwks_verify(base, browser, refreshed["access_token"], api.identifier)["aud"] == first_claims["aud"]
    )
    assert refreshed["refresh_token"] != first["refresh_token"]

    # Reuse detection: the rotated token again revokes the family, the new one included.
    reuse = browser.post(
        token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": spa.client_id,
        },
        withhold_token=True,
    )
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    dead = browser.post(
        token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": refreshed["refresh_token"],
            "client_id": spa.client_id,
        },
        withhold_token=True,
    )
    assert dead.json() == {
        "error": "invalid_grant",
        "error_description": "The refresh token has been revoked.",
    }

    # A fresh refresh token from the silent login, revoked through RFC 7009.
    revoke = browser.post(
        f"{base}/acme/oauth/revoke",
        data={"token": second["refresh_token"], "client_id": spa.client_id},
        withhold_token=True,
    )
    assert revoke.status_code == 200
    after = browser.post(
        token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": second["refresh_token"],
            "client_id": spa.client_id,
        },
        withhold_token=True,
    )
    assert after.json()["error"] == "invalid_grant"

    # Logout ends the session: the next silent request needs a login.
    bye = browser.get(
        f"{base}/acme/v2/logout",
        params={"client_id": spa.client_id, "returnTo": f"{SPA_ORIGIN}/bye"},
        allow_redirects=False,
        withhold_token=True,
    )
    assert bye.status_code == 302
    assert bye.headers["Location"] == f"{SPA_ORIGIN}/bye"
    url3, _ = browser.create_authorization_url(
        authorize_url, code_verifier=secrets.token_urlsafe(48), audience=api.identifier, prompt="none"
    )
    after_logout = browser.get(url3, allow_redirects=False, withhold_token=True)
    assert urlsplit(after_logout.headers["Location"]).query.startswith("error=login_required")
