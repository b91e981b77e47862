"""A NUL character anywhere in the input is a clear 4xx, never a 500 (PostgreSQL refuses NUL in text)."""

import json

import pytest

from provisioning.services import MANAGEMENT_SCOPES
from tests.management.conftest import token_for


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client_id", "a\x00b"),
        ("audience", "https://a\x00/"),
        ("username", "a\x00@b.test"),
        ("scope", "openid\x00"),
    ],
)
def test_token_endpoint_refuses_nul(client, tenant, password_app, field, value):
    # given
    body = {
        "grant_type": "password",
        "username": "a@b.test",
        "password": "p",
        **password_app.creds,
        field: value,
    }
    # when
    response = client.post("/acme/oauth/token", json.dumps(body), content_type="application/json")
    # then
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": f"The {field} parameter contains a NUL character.",
    }


def test_authorize_refuses_nul_on_its_error_page(client, tenant):
    # when
    response = client.get("/acme/authorize", {"client_id": "a\x00", "redirect_uri": "https://x.test/"})
    # then
    assert response.status_code == 400
    assert b"The client_id parameter contains a NUL character." in response.content


@pytest.mark.parametrize(
    "path",
    [
        "resource-servers/a%00b",
        "clients/a%00b",
        "client-grants/a%00",
        "users/a%00",
        "roles/a%00",
        "keys/signing/a%00",
    ],
)
def test_management_api_ids_with_nul_are_not_found(client, tenant, path):
    # given
    token = token_for(tenant, MANAGEMENT_SCOPES)
    # when
    response = client.get(f"/acme/api/v2/{path}", HTTP_AUTHORIZATION=f"Bearer {token}")
    # then
    assert response.status_code == 404
    assert response.json()["errorCode"] == "inexistent_resource"


def test_login_form_and_logout_refuse_nul(client, tenant):
    # given: a valid authorization request carried by the login form
    from clients.models import Client
    from tests import factories

    spa, _ = factories.make_client(
        tenant,
        name="SPA",
        app_type=Client.AppType.SPA,
        grant_types=["authorization_code"],
        callbacks=["http://127.0.0.1:3000/cb"],
    )
    request = {
        "client_id": spa.client_id,
        "redirect_uri": "http://127.0.0.1:3000/cb",
        "response_type": "code",
        "code_challenge": "x" * 43,
        "code_challenge_method": "S256",
        "scope": "openid",
        "state": "s",
    }
    # when
    login = client.post("/acme/login", {**request, "email": "a\x00@b.test", "password": "x"})
    logout = client.get("/acme/v2/logout", {"client_id": "\x00", "returnTo": "https://x.test/"})
    # then
    assert login.status_code == 400
    assert b"Wrong email or password." in login.content
    assert logout.status_code == 400
    assert b"The client_id parameter contains a NUL character." in logout.content
