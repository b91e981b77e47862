"""The login page, the SSO session and the code exchange at the root of a tenant host: the form posts
to `/login` (not `/acme/login`), the session cookie's path is `/`, and the ID token's issuer is the
host's (SPEC section 1)."""

import base64
import hashlib
import secrets
from urllib.parse import urlencode

import jwt

from tests import factories
from tests.domains.conftest import ACME_HOST, ACME_ISSUER, on
from tests.flows.conftest import parse_form, redirect_params
from tokens.storage.sso import COOKIE_NAME

CALLBACK = "https://spa.example.test/callback"


def test_login_and_code_exchange_at_the_root_of_the_tenant_host(tenant, end_user):
    # given
    spa, _ = factories.make_client(
        tenant,
        name="SPA",
        app_type="spa",
        grant_types=["authorization_code"],
        callbacks=[CALLBACK],
        token_endpoint_auth_method="none",
    )
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    browser = on(ACME_HOST)
    query = {
        "client_id": spa.client_id,
        "response_type": "code",
        "redirect_uri": CALLBACK,
        "scope": "openid",
        "nonce": "n-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }

    # when
    page = browser.get(f"/authorize?{urlencode(query)}")
    form = parse_form(page.content.decode())
    login = browser.post(
        form.action, {**form.fields, "email": end_user.email, "password": factories.DEFAULT_PASSWORD}
    )
    code = redirect_params(login)["code"]
    tokens = browser.post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "client_id": spa.client_id,
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": CALLBACK,
        },
    )

    # then
    assert page.status_code == 200
    assert form.action == "/login"
    assert login.cookies[COOKIE_NAME]["path"] == "/"
    assert tokens.status_code == 200, tokens.content
    id_token = jwt.decode(tokens.json()["id_token"], options={"verify_signature": False})
    assert id_token["iss"] == ACME_ISSUER
    userinfo = browser.get("/userinfo", HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access_token']}")
    assert userinfo.status_code == 200
    assert userinfo.json()["sub"] == end_user.user_id
