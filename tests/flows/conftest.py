"""Fixtures for the browser flows (/authorize, login, codes, refresh, logout), driven over HTTP."""

import base64
import hashlib
import json
import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from django.conf import settings
from django.core.cache import cache

from tests import factories
from tests.conftest import App

SPA_ORIGIN = "https://spa.example.test"
SPA_CALLBACK = f"{SPA_ORIGIN}/callback"
WEB_CALLBACK = "https://web.example.test/callback"
LOGOUT_URL = f"{SPA_ORIGIN}/bye"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login throttling counts in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(tenant):
    """An RS256 API that allows refresh tokens."""
    return factories.make_api(
        tenant, identifier="https://api.acme.test/", name="Acme API", allow_offline_access=True
    )


@pytest.fixture
def spa(tenant) -> App:
    """A public single-page app (token_endpoint_auth_method none), as Auth0's SPA SDK uses it."""
    client, secret = factories.make_client(
        tenant,
        name="SPA",
        app_type="spa",
        grant_types=["authorization_code", "refresh_token", "implicit"],
        callbacks=[SPA_CALLBACK],
        allowed_origins=[SPA_ORIGIN],
        web_origins=[SPA_ORIGIN],
        allowed_logout_urls=[LOGOUT_URL],
    )
    return App(client, secret)


@pytest.fixture
def web_app(tenant) -> App:
    """A confidential regular web app."""
    client, secret = factories.make_client(
        tenant,
        name="Web",
        app_type="regular_web",
        grant_types=["authorization_code", "refresh_token"],
        callbacks=[WEB_CALLBACK],
    )
    return App(client, secret)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class FormParser(HTMLParser):
    """The first form of a page: its action and its inputs (what a browser would submit)."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields: dict[str, str] = {}
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action, self._in_form = attrs.get("action"), True
        elif tag == "input" and self._in_form and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False


def parse_form(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    return parser


def redirect_params(resp, *, part: str = "query") -> dict[str, str]:
    """The parameters a redirect carries in its query or fragment (one value each)."""
    assert resp.status_code == 302, (resp.status_code, resp.content[:300])
    url = urlsplit(resp["Location"])
    raw = url.query if part == "query" else url.fragment
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def redirect_base(resp) -> str:
    url = urlsplit(resp["Location"])
    return f"{url.scheme}://{url.netloc}{url.path}"


def web_message_payload(resp) -> tuple[dict, str]:
    """The message a web_message page posts, and the origin it posts to."""
    html = resp.content.decode()

    def script_json(element_id):
        start = html.index(f'id="{element_id}" type="application/json">') + len(
            f'id="{element_id}" type="application/json">'
        )
        return json.loads(html[start : html.index("</script>", start)])

    return script_json("authorization-response"), script_json("target-origin")


@pytest.fixture
def authorize(client, spa, api):
    """GET /acme/authorize with the SPA's code + PKCE defaults; keyword arguments add or override
    (None drops a parameter). Returns (response, code_verifier)."""

    def get(*, slug: str = "acme", **overrides):
        verifier, challenge = pkce_pair()
        params = {
            "client_id": spa.client_id,
            "response_type": "code",
            "redirect_uri": SPA_CALLBACK,
            "scope": "openid profile email offline_access",
            "audience": api.identifier,
            "state": "st-123",
            "nonce": "n-456",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        params = {k: v for k, v in params.items() if v is not None}
        return client.get(f"/{slug}/authorize?{urlencode(params)}"), verifier

    return get


@pytest.fixture
def submit_login(client):
    """Fill in and POST the login form of a page, as a browser without JavaScript does."""

    def submit(page_resp, *, email: str = "alice@example.test", password: str = factories.DEFAULT_PASSWORD):
        assert page_resp.status_code in (200, 429), page_resp.status_code
        form = parse_form(page_resp.content.decode())
        data = {**form.fields, "email": email, "password": password}
        return client.post(form.action, data)

    return submit


@pytest.fixture
def exchange(client):
    """POST the authorization_code grant as JSON; returns the response."""

    def post(code: str, verifier: str | None, *, creds: dict, redirect_uri: str = SPA_CALLBACK, slug="acme"):
        body = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, **creds}
        if verifier is not None:
            body["code_verifier"] = verifier
        return client.post(f"/{slug}/oauth/token", json.dumps(body), content_type="application/json")

    return post


@pytest.fixture
def signed_in(authorize, submit_login, end_user):
    """Sign alice in through the login form; returns the first redirect's parameters and verifier."""

    def run(**overrides):
        page, verifier = authorize(**overrides)
        resp = submit_login(page)
        return redirect_params(resp), verifier

    return run


@pytest.fixture
def client():
    """Django's test client with CSRF checks on, as a real browser meets them."""
    from django.test import Client

    return Client(enforce_csrf_checks=True)


class DocumentJWKClient(jwt.PyJWKClient):
    """PyJWT's JWKS client, fed the tenant's JWKS document fetched through the test client."""

    def __init__(self, jwks: dict):
        super().__init__("http://testserver/jwks.json", cache_jwk_set=False, cache_keys=False)
        self._jwks = jwks

    def fetch_data(self):
        return self._jwks


@pytest.fixture
def verify(client):
    """Verify a JWT as a resource server or an OIDC client does: key by kid from the JWKS."""

    def check(token: str, *, audience: str, slug: str = "acme") -> dict:
        jwks = client.get(f"/{slug}/.well-known/jwks.json").json()
        key = DocumentJWKClient(jwks).get_signing_key_from_jwt(token)
        return jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=audience,
            issuer=f"{settings.PUBLIC_URL}/{slug}/",
            options={"require": ["iss", "sub", "aud", "iat", "exp"]},
        )

    return check


def left_hash(value: str) -> str:
    """OIDC Core 3.1.3.6 at_hash / c_hash for RS256, computed independently of the server."""
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, bound to 127.0.0.1 (not localhost): the SPA test serves its page
    from another port of 127.0.0.1, which is then the same site, as an app and its custom domain are."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1:0")
    yield server
    server.stop()


@pytest.fixture
def live_issuer(live_server, settings):
    """Issuers follow PUBLIC_URL: point it at the live server so OIDC clients accept the tokens."""
    settings.PUBLIC_URL = live_server.url
    return live_server.url
