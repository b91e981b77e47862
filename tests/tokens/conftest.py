"""Fixtures for the token service's black-box suite (SPEC sections 1-3).

Everything goes through HTTP with Django's test client; tokens are checked the way a resource
server checks them: the JWKS document is fetched from the tenant and handed to PyJWT's own
PyJWKClient, so that key selection by `kid` is PyJWT's, not ours.
"""

import base64
import hashlib
import hmac
import json
import re
import time
from urllib.parse import quote, urlencode

import jwt
import pytest
from django.conf import settings
from django.core.cache import cache

from clients.models import Client
from tenants.keys import load_private_key
from tenants.selectors import signing_key_current
from tests import factories
from tests.conftest import App

PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"
USER_DATABASE = "Username-Password-Authentication"
OPAQUE_PREFIX = "authport_opaque_"


def issuer_of(slug: str) -> str:
    return f"{settings.PUBLIC_URL}/{slug}/"


def userinfo_audience_of(slug: str) -> str:
    return f"{issuer_of(slug)}userinfo"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def assert_no_store(resp) -> None:
    assert "no-store" in resp.get("Cache-Control", ""), resp.get("Cache-Control")


def assert_oauth_error(resp, status: int, error: str, description: str | None = None) -> dict:
    """An RFC 6749 section 5.2 error: exact status and code, no token, never cached."""
    assert resp.status_code == status, (resp.status_code, resp.content[:500])
    body = resp.json()
    assert body["error"] == error, body
    if description is not None:
        assert body["error_description"] == description, body
    assert "access_token" not in body
    assert_no_store(resp)
    return body


# RFC 6750 section 3: auth-params are quoted strings; error_description excludes '"' and '\\'.
_AUTH_PARAM = re.compile(r'\s*([A-Za-z_]+)="([\x20\x21\x23-\x5b\x5d-\x7e]*)"\s*(?:,|$)')


def bearer_challenge(resp) -> dict:
    """The auth-params of a `WWW-Authenticate: Bearer ...` header; fails on a malformed header."""
    value = resp["WWW-Authenticate"]
    assert value == "Bearer" or value.startswith("Bearer "), value
    rest, params, pos = value[len("Bearer") :].strip(), {}, 0
    while pos < len(rest):
        match = _AUTH_PARAM.match(rest, pos)
        assert match, f"malformed WWW-Authenticate at {rest[pos:]!r}"
        params[match[1]] = match[2]
        pos = match.end()
    return params


def basic_auth(client_id: str, secret: str) -> str:
    """RFC 6749 section 2.3.1: each part form-encoded, then base64."""
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode()


class ResponseJWKClient(jwt.PyJWKClient):
    """PyJWT's JWKS client, fed from a JWKS document fetched through the test client."""

    def __init__(self, jwks: dict):
        super().__init__("http://testserver/.well-known/jwks.json", cache_jwk_set=False, cache_keys=False)
        self._jwks = jwks

    def fetch_data(self):
        return self._jwks


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test builds its tenants anew under the same slugs; a cache from an earlier test is stale."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token_request(client):
    """POST to /{slug}/oauth/token with a JSON (default) or form-encoded body."""

    def post(body, *, slug: str = "acme", form: bool = False, **headers):
        url = f"/{slug}/oauth/token"
        if form:
            return client.post(
                url, urlencode(body, doseq=True), content_type="application/x-www-form-urlencoded", **headers
            )
        return client.post(url, json.dumps(body), content_type="application/json", **headers)

    return post


@pytest.fixture
def issue(token_request):
    """A token request that must succeed: returns the response body."""

    def post(body, **kwargs):
        resp = token_request(body, **kwargs)
        assert resp.status_code == 200, (resp.status_code, resp.content[:500])
        assert_no_store(resp)
        return resp.json()

    return post


@pytest.fixture
def jwks(client):
    """The tenant's JWKS document, fetched now."""

    def fetch(slug: str = "acme") -> dict:
        resp = client.get(f"/{slug}/.well-known/jwks.json")
        assert resp.status_code == 200, resp.status_code
        return resp.json()

    return fetch


@pytest.fixture
def verify(jwks):
    """Verify a JWT as a resource server does: key by kid from the JWKS, one algorithm, aud and iss."""

    def check(token: str, *, audience: str, alg: str = "RS256", slug: str = "acme") -> dict:
        assert jwt.get_unverified_header(token)["alg"] == alg
        key = ResponseJWKClient(jwks(slug)).get_signing_key_from_jwt(token)
        return jwt.decode(
            token,
            key.key,
            algorithms=[alg],
            audience=audience,
            issuer=issuer_of(slug),
            options={"require": ["iss", "sub", "aud", "iat", "exp"]},
        )

    return check


@pytest.fixture
def userinfo(client):
    """Call /{slug}/userinfo with a Bearer token (GET by default)."""

    def call(token: str | None, *, slug: str = "acme", method: str = "get"):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
        return getattr(client, method)(f"/{slug}/userinfo", **headers)

    return call


@pytest.fixture
def password_body(password_app, end_user):
    """A password-grant body for alice through the password app; keyword arguments add or override."""

    def body(**extra):
        base = {
            "grant_type": "password",
            "username": end_user.email,
            "password": factories.DEFAULT_PASSWORD,
            **password_app.creds,
        }
        base.update(extra)
        return base

    return body


@pytest.fixture
def cc_body(m2m_app):
    def body(**extra):
        return {"grant_type": "client_credentials", **m2m_app.creds, **extra}

    return body


def make_app(tenant, *, name="App", grant_types=None, **kwargs) -> App:
    client, secret = factories.make_client(
        tenant, name=name, grant_types=grant_types or ["client_credentials"], **kwargs
    )
    return App(client, secret)


def make_password_app(tenant, name="Password app") -> App:
    return make_app(
        tenant,
        name=name,
        app_type=Client.AppType.REGULAR_WEB,
        grant_types=[Client.GrantType.PASSWORD, Client.GrantType.PASSWORD_REALM],
    )


@pytest.fixture
def craft(tenant, end_user, password_app):
    """A hand-made access token signed with the tenant's current RS256 key, valid for /userinfo unless
    the caller overrides claims or headers: the control case for every forged-token test."""

    def make(*, claims: dict | None = None, header: dict | None = None, signing_tenant=None) -> str:
        key = signing_key_current(tenant=signing_tenant or tenant, alg="RS256")
        now = int(time.time())
        payload = {
            "iss": issuer_of(tenant.slug),
            "sub": end_user.user_id,
            "aud": userinfo_audience_of(tenant.slug),
            "iat": now - 10,
            "exp": now + 600,
            "azp": password_app.client_id,
            "scope": "openid profile email",
            "jti": b64url(hashlib.sha256(str(now).encode() + key.kid.encode()).digest())[:22],
        }
        payload.update(claims or {})
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(
            payload,
            load_private_key(key.kid, key.private_key_encrypted),
            algorithm="RS256",
            headers={"kid": key.kid, **(header or {})},
        )

    return make


def hand_signed(header: dict, payload: dict, *, hmac_key: bytes | None) -> str:
    """A JWT assembled by hand, for what PyJWT refuses to produce (alg none, HMAC over a PEM)."""
    signing_input = (
        b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    ).encode()
    signature = b"" if hmac_key is None else hmac.new(hmac_key, signing_input, hashlib.sha256).digest()
    return signing_input.decode() + "." + b64url(signature)
