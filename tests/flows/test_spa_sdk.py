"""Auth0's own SPA SDK (@auth0/auth0-spa-js) against Authport, in headless Chromium.

The app page is served from another port of 127.0.0.1 (another origin, the same site): the SDK
logs in with loginWithRedirect through Authport's login form, handles the callback (code + PKCE,
CORS at the token endpoint), then renews silently with getTokenSilently({cacheMode: "off"}), which
runs /authorize with prompt=none and response_mode=web_message in a hidden iframe. Both access
tokens must be JWTs for the same audience (SPEC section 2, last paragraph).

Needs Chromium (Debian's `chromium`) and Node (for `npm ci` in tests/flows/spa): see
`make browser-deps`. Skipped, saying why, when either or the SDK is absent. Finally, logout() ends the session,
and the next silent renewal answers login_required.
"""

import json
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
import requests

from logs.models import LogEvent
from tests import factories

CHROMIUM = "/usr/bin/chromium"
SPA_DIR = Path(__file__).parent / "spa"
SDK_BUNDLE = SPA_DIR / "node_modules" / "@auth0" / "auth0-spa-js" / "dist" / "auth0-spa-js.production.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium is not installed at {CHROMIUM}"),
    pytest.mark.skipif(
        shutil.which("node") is None, reason="Node.js is not installed (needed for the SPA SDK)"
    ),
]

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>SPA</title></head>
<body>
<script src="/auth0-spa-js.production.js"></script>
<script>
  const config = %(config)s;
  window.auth0Client = new auth0.Auth0Client({
    domain: config.domain,
    clientId: config.clientId,
    cacheLocation: "memory",
    authorizationParams: {
      redirect_uri: window.location.origin + "/callback",
      audience: config.audience,
      scope: "openid profile email",
    },
  });
</script>
</body></html>
"""


@pytest.fixture
def spa_server():
    """Serves the SDK bundle and the app page from 127.0.0.1 on a port of its own."""
    if not SDK_BUNDLE.exists():  # Node and Chromium may be there without the SDK (a fresh clone)
        pytest.skip(f"Auth0's SPA SDK is not installed in {SPA_DIR}: `make browser-deps` installs it")
    state = {"config": {}}

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            path = self.path.split("?")[0]
            if path == "/auth0-spa-js.production.js":
                body, kind = SDK_BUNDLE.read_bytes(), "text/javascript"
            elif path in ("/", "/callback"):
                body, kind = (PAGE % {"config": json.dumps(state["config"])}).encode(), "text/html"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(SPA_DIR)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["origin"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def _verify(base: str, token: str, audience: str) -> dict:
    jwks = requests.get(f"{base}/acme/.well-known/jwks.json", timeout=10).json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(jwt.PyJWK(k) for k in jwks["keys"] if k["kid"] == kid)
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=f"{base}/acme/")


def test_auth0_spa_sdk_logs_in_and_renews_silently(live_issuer, tenant, end_user, spa_server):
    from playwright.sync_api import sync_playwright

    # given: an API, and the SPA registered with the page's origin
    base = live_issuer
    origin = spa_server["origin"]
    api = factories.make_api(tenant, identifier="https://api.acme.test/", name="Acme API")
    spa, _ = factories.make_client(
        tenant,
        name="SPA",
        app_type="spa",
        grant_types=["authorization_code", "refresh_token"],
        callbacks=[f"{origin}/callback"],
        allowed_origins=[origin],
        web_origins=[origin],
        allowed_logout_urls=[origin + "/"],
    )
    spa_server["config"] = {"domain": f"{base}/acme", "clientId": spa.client_id, "audience": api.identifier}

    # when: the SDK drives the browser (no ORM in here: Playwright's loop runs in this thread)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(f"{origin}/")
            page.evaluate("() => { window.auth0Client.loginWithRedirect(); }")
            page.wait_for_url(f"{base}/acme/authorize?**")
            page.fill("#email", end_user.email)
            page.fill("#password", factories.DEFAULT_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{origin}/callback?**")
            result = page.evaluate(
                """async () => {
                    await window.auth0Client.handleRedirectCallback();
                    const first = await window.auth0Client.getTokenSilently();
                    const silent = await window.auth0Client.getTokenSilently({cacheMode: "off"});
                    const user = await window.auth0Client.getUser();
                    // A refused request the app makes itself: what it can read of the answer.
                    const refused = await fetch(config.domain + "/oauth/token", {
                        method: "POST",
                        headers: {"content-type": "application/json"},
                        body: JSON.stringify({grant_type: "urn:foo", client_id: config.clientId}),
                    });
                    return {
                        first, silent, sub: user.sub,
                        refused: {
                            status: refused.status,
                            logId: refused.headers.get("authport-log-id"),
                            hint: refused.headers.get("authport-hint"),
                        },
                    };
                }"""
            )
            # logout() ends Authport's session and comes back to the app; silent renewal then fails.
            page.evaluate(
                "() => { window.auth0Client.logout({logoutParams: {returnTo: window.location.origin + '/'}}); }"
            )
            page.wait_for_url(f"{origin}/")
            after_logout = page.evaluate(
                """async () => {
                    try { await window.auth0Client.getTokenSilently({cacheMode: "off"}); return "token"; }
                    catch (e) { return e.error; }
                }"""
            )
        finally:
            browser.close()

    # then: two different JWTs, both for the API and the userinfo audience
    assert result["first"] != result["silent"]
    first = _verify(base, result["first"], api.identifier)
    silent = _verify(base, result["silent"], api.identifier)
    assert first["aud"] == silent["aud"] == [api.identifier, f"{base}/acme/userinfo"]
    assert first["sub"] == silent["sub"] == result["sub"] == end_user.user_id
    assert first["azp"] == silent["azp"] == spa.client_id
    assert after_logout == "login_required"
    # a browser app reads the refused answer's log id (what it hands to an admin) and its hint
    refused = result["refused"]
    assert refused["status"] == 400
    assert LogEvent.objects.for_tenant(tenant).get(log_id=refused["logId"]).type == "f"
    assert refused["hint"].startswith("Authport supports client_credentials")
