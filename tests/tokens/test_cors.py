"""CORS on the token service (SPEC 1): a client's registered origins for /oauth/token and /userinfo."""

import pytest

from tests import factories

SPA_ORIGIN = "https://spa.example.test"


@pytest.fixture
def spa(tenant):
    client, _secret = factories.make_client(
        tenant,
        name="SPA",
        app_type="spa",
        grant_types=["authorization_code", "refresh_token"],
        allowed_origins=[SPA_ORIGIN],
        web_origins=[SPA_ORIGIN],
        callbacks=[f"{SPA_ORIGIN}/callback"],
    )
    return client


@pytest.mark.parametrize("path", ["/acme/oauth/token", "/acme/userinfo"])
def test_preflight_from_a_registered_origin_allows_auth0_client_header(client, spa, path):
    # when
    resp = client.options(
        path,
        HTTP_ORIGIN=SPA_ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,auth0-client",
    )
    # then
    assert resp.status_code in (200, 204)
    assert resp["Access-Control-Allow-Origin"] == SPA_ORIGIN
    assert "auth0-client" in resp["Access-Control-Allow-Headers"].lower()
    assert "POST" in resp["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("path", ["/acme/oauth/token", "/acme/userinfo"])
def test_unregistered_origin_gets_no_cors_headers(client, spa, path):
    # when
    resp = client.options(
        path, HTTP_ORIGIN="https://evil.example.test", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    # then
    assert "Access-Control-Allow-Origin" not in resp


def test_origin_registered_in_another_tenant_is_not_allowed_here(client, tenant, other_tenant):
    # given
    factories.make_client(
        other_tenant,
        name="Other SPA",
        app_type="spa",
        grant_types=["authorization_code"],
        allowed_origins=[SPA_ORIGIN],
        callbacks=[f"{SPA_ORIGIN}/callback"],
    )
    # when
    resp = client.options(
        "/acme/oauth/token", HTTP_ORIGIN=SPA_ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    # then
    assert "Access-Control-Allow-Origin" not in resp


def test_token_error_to_a_registered_origin_is_readable(client, spa):
    # when: a browser app's failed request must still be readable by the app
    resp = client.post("/acme/oauth/token", "{}", content_type="application/json", HTTP_ORIGIN=SPA_ORIGIN)
    # then
    assert resp.status_code == 401  # no client authentication: invalid_client
    assert resp["Access-Control-Allow-Origin"] == SPA_ORIGIN


def test_a_token_answer_lets_a_registered_origin_read_its_log_id_and_hint(client, spa):
    # when: a browser app's refused request (an unknown code)
    resp = client.post(
        "/acme/oauth/token",
        {
            "grant_type": "authorization_code",
            "client_id": spa.client_id,
            "code": "not-a-code",
            "redirect_uri": "https://spa.example.test/callback",
            "code_verifier": "v" * 43,
        },
        content_type="application/json",
        HTTP_ORIGIN=SPA_ORIGIN,
    )
    # then: fetch() shows the app only the headers exposed to it (Fetch standard)
    assert resp.status_code == 400
    assert resp["Authport-Log-Id"]
    exposed = {name.strip().lower() for name in resp["Access-Control-Expose-Headers"].split(",")}
    assert exposed == {"authport-log-id", "authport-hint"}


def test_an_unregistered_origin_is_exposed_nothing(client, spa):
    # when
    resp = client.post(
        "/acme/oauth/token", "{}", content_type="application/json", HTTP_ORIGIN="https://evil.test"
    )
    # then
    assert "Access-Control-Expose-Headers" not in resp
    assert "Access-Control-Allow-Origin" not in resp
