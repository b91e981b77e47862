"""Auth0 grant types and client authentication methods that Authport does not implement (SPEC
sections 5 and 10): what Auth0's schema allows is kept and returned, never acted on, and named in a
warning by import_tenant; what is outside Auth0's schema is refused, through the Management API and
an import alike."""

from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient

from clients.models import Client
from tests import factories
from tests.management.conftest import assert_error

DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp"
PRIVATE_KEY_JWT = {"private_key_jwt": {"credentials": [{"id": "cred_1234567890abcdefghijk"}]}}


def test_auth0_only_grant_types_are_kept_and_returned(mgmt, tenant):
    # when
    created = mgmt(
        "POST",
        "clients",
        {"name": "TV app", "app_type": "native", "grant_types": ["refresh_token", DEVICE_CODE, MFA_OTP]},
    )
    client_id = created.json()["client_id"]
    patched = mgmt("PATCH", f"clients/{client_id}", {"grant_types": ["authorization_code", DEVICE_CODE]})

    # then
    assert created.status_code == 201, created.content
    assert created.json()["grant_types"] == ["refresh_token", DEVICE_CODE, MFA_OTP]
    assert patched.json()["grant_types"] == ["authorization_code", DEVICE_CODE]
    assert mgmt("GET", f"clients/{client_id}").json()["grant_types"] == ["authorization_code", DEVICE_CODE]


def test_an_auth0_only_grant_type_is_never_granted(tenant):
    # given
    app, secret = factories.make_client(
        tenant, name="TV app", grant_types=["client_credentials", DEVICE_CODE]
    )

    # when
    response = HttpClient().post(
        f"/{tenant.slug}/oauth/token",
        {"grant_type": DEVICE_CODE, "device_code": "x", "client_id": app.client_id, "client_secret": secret},
    )

    # then
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_client_authentication_methods_are_kept(mgmt, tenant):
    # when
    created = mgmt("POST", "clients", {"name": "Signed", "client_authentication_methods": PRIVATE_KEY_JWT})

    # then
    assert created.status_code == 201, created.content
    assert created.json()["client_authentication_methods"] == PRIVATE_KEY_JWT
    client = Client.objects.get(client_id=created.json()["client_id"])
    assert client.token_endpoint_auth_method == "client_secret_post"  # what Authport authenticates with


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        pytest.param(
            {"grant_types": ["urn:ietf:params:oauth:grant-type:made-up"]},
            "grant_types.0",
            '"urn:ietf:params:oauth:grant-type:made-up" is not one of',
            id="not-an-auth0-grant-type",
        ),
        pytest.param(
            {"grant_types": ["Device_Code"]}, "grant_types.0", "is not one of", id="grant-type-misspelt"
        ),
        pytest.param(
            # Auth0 takes private_key_jwt only through client_authentication_methods
            {"token_endpoint_auth_method": "private_key_jwt"},
            "token_endpoint_auth_method",
            '"private_key_jwt" is not one of: none, client_secret_post, client_secret_basic',
            id="private-key-jwt-as-auth-method",
        ),
        pytest.param(
            {"client_authentication_methods": ["private_key_jwt"]},
            "client_authentication_methods",
            "Expected type object but found type array",
            id="auth-methods-not-an-object",
        ),
    ],
)
def test_values_outside_auth0s_schema_are_400_and_create_nothing(mgmt, tenant, body, field, says):
    # when
    response = mgmt("POST", "clients", {"name": "Refused", **body})

    # then
    error = assert_error(response, 400, "invalid_body")
    assert f"on property {field}" in error["message"], error
    assert says in error["message"], error
    assert not Client.objects.filter(name="Refused").exists()


def _import(slug: str, path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_tenant", slug, str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _auth0_export(tmp_path, **client_fields):
    """A client as `a0deploy export` writes it from an Auth0 tenant that uses these features."""
    client = {
        "name": "Kiosk",
        "app_type": "non_interactive",
        "grant_types": ["client_credentials", DEVICE_CODE, MFA_OTP],
        "oidc_conformant": True,
        **client_fields,
    }
    path = tmp_path / "tenant.yaml"
    path.write_text(yaml.safe_dump({"clients": [client]}))
    return path


def test_import_keeps_them_and_warns_naming_the_client(tenant, tmp_path):
    # given
    path = _auth0_export(tmp_path, client_authentication_methods=PRIVATE_KEY_JWT)

    # when
    out, err = _import("acme", path)
    again, _ = _import("acme", path)

    # then
    assert "create clients Kiosk" in out
    assert (
        f'clients[0] "Kiosk": grant types Authport does not support are kept but never granted: '
        f"{DEVICE_CODE}, {MFA_OTP}." in err
    )
    assert (
        'clients[0] "Kiosk": client_authentication_methods (private_key_jwt) is kept but not acted on' in err
    )
    assert again.strip() == "Nothing to change."
    kiosk = Client.objects.get(tenant=tenant, name="Kiosk")
    assert kiosk.grant_types == ["client_credentials", DEVICE_CODE, MFA_OTP]
    assert kiosk.auth0_extra["client_authentication_methods"] == PRIVATE_KEY_JWT


def test_import_of_a_grant_type_outside_auth0s_schema_refuses_the_whole_file(tenant, tmp_path):
    # given
    path = _auth0_export(tmp_path, grant_types=["client_credentials", "urn:example:not-a-grant"])

    # when
    with pytest.raises(CommandError) as refused:
        _import("acme", path)

    # then
    assert str(refused.value).startswith(  # noqa: PT017
        'clients[0] "Kiosk": grant_types.1: "urn:example:not-a-grant" is not one of: authorization_code,'
    )
    assert not Client.objects.filter(tenant=tenant, name="Kiosk").exists()


def test_the_admin_form_keeps_the_auth0_only_grant_types(admin_client, tenant):
    # given
    app, _ = factories.make_client(tenant, name="TV app", grant_types=["client_credentials", DEVICE_CODE])
    page = admin_client.get(f"/admin/clients/client/{app.pk}/change/")

    # when: saved with the boxes it shows (there is none for device_code)
    resp = admin_client.post(
        f"/admin/clients/client/{app.pk}/change/",
        {
            "tenant": str(tenant.pk),
            "name": "TV app",
            "description": "",
            "app_type": "regular_web",
            "grant_types": ["client_credentials", "refresh_token"],
            "callbacks": "",
            "allowed_origins": "",
            "web_origins": "",
            "allowed_logout_urls": "",
            "token_endpoint_auth_method": "client_secret_post",
            "jwt_lifetime_in_seconds": "36000",
            "refresh_token_leeway": "0",
            "is_first_party": "on",
        },
    )

    # then
    assert DEVICE_CODE in page.content.decode()  # said on the page
    assert resp.status_code == 302, resp.context["adminform"].form.errors
    app.refresh_from_db()
    assert app.grant_types == ["client_credentials", "refresh_token", DEVICE_CODE]
