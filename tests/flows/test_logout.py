"""/v2/logout: ends the SSO session; redirects only to the client's allowed logout URLs."""

from tests.flows.conftest import LOGOUT_URL, redirect_params
from tokens.models import SsoSession
from tokens.storage.sso import COOKIE_NAME


def test_logout_ends_the_session_and_returns_to_an_allowed_url(signed_in, authorize, client, spa):
    # given
    signed_in()
    # when
    resp = client.get("/acme/v2/logout", {"client_id": spa.client_id, "returnTo": LOGOUT_URL})
    # then
    assert resp.status_code == 302
    assert resp["Location"] == LOGOUT_URL
    assert resp.cookies[COOKIE_NAME].value == ""
    assert resp.cookies[COOKIE_NAME]["path"] == "/acme/"
    assert SsoSession.objects.get().ended_at is not None
    assert redirect_params(authorize(prompt="none")[0])["error"] == "login_required"


def test_ended_session_is_dead_even_if_the_cookie_is_replayed(signed_in, authorize, client, spa):
    # given
    signed_in()
    cookie = client.cookies[COOKIE_NAME].value
    client.get("/acme/v2/logout", {"client_id": spa.client_id, "returnTo": LOGOUT_URL})
    # when
    client.cookies[COOKIE_NAME] = cookie
    client.cookies[COOKIE_NAME]["path"] = "/acme/"
    resp, _ = authorize(prompt="none")
    # then
    assert redirect_params(resp)["error"] == "login_required"


def test_return_to_outside_the_allowed_logout_urls_gets_an_error_page(signed_in, client, spa):
    signed_in()
    resp = client.get(
        "/acme/v2/logout", {"client_id": spa.client_id, "returnTo": "https://evil.example.test/"}
    )
    assert resp.status_code == 400
    assert "Location" not in resp
    assert (
        "The returnTo URL &quot;https://evil.example.test/&quot; is not in the list of allowed logout URLs"
        in resp.content.decode()
    )
    assert resp["X-Frame-Options"] == "DENY"


def test_return_to_without_a_client_gets_an_error_page(client, tenant):
    resp = client.get("/acme/v2/logout", {"returnTo": LOGOUT_URL})
    assert resp.status_code == 400
    assert "returnTo needs the client_id of an application" in resp.content.decode()


def test_without_return_to_goes_to_the_first_allowed_logout_url(client, spa):
    resp = client.get("/acme/v2/logout", {"client_id": spa.client_id})
    assert resp.status_code == 302
    assert resp["Location"] == LOGOUT_URL


def test_without_client_shows_a_logged_out_page(signed_in, client):
    signed_in()
    resp = client.get("/acme/v2/logout")
    assert resp.status_code == 200
    assert "You are logged out" in resp.content.decode()
    assert SsoSession.objects.get().ended_at is not None


def test_logout_of_unknown_tenant_is_404(client, db):
    assert client.get("/nowhere/v2/logout").status_code == 404
