"""SPEC section 5: fields of Auth0's schema that Authport does not act on are kept and returned as
given (what Auth0's tools export re-imports); a field outside the schema is still 400."""

import pytest

from tenants.models import Tenant
from tests import factories
from tests.management.conftest import assert_error


def test_tenant_settings_keep_auth0_fields(mgmt, tenant):
    # given
    body = {
        "flags": {"enable_client_connections": False},
        "support_email": "help@acme.test",
        "enabled_locales": ["en", "fr"],
        "sandbox_version": "18",
        "idle_session_lifetime_in_minutes": 4320,
    }

    # when
    patched = mgmt("PATCH", "tenants/settings", body)
    again = mgmt("PATCH", "tenants/settings", {"support_email": "ops@acme.test"})

    # then
    assert patched.status_code == 200, patched.content
    got = mgmt("GET", "tenants/settings").json()
    assert again.json() == got
    assert got == {**got, **body, "support_email": "ops@acme.test"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(
            {"session_lifetime": 1, "session_lifetime_in_minutes": 120},
            "session_lifetime_in_minutes",
            id="disagrees-with-hours",
        ),
        pytest.param({"flags": "yes"}, "flags", id="auth0-field-of-wrong-type"),
        pytest.param({"enabled_locales": {}}, "enabled_locales", id="array-as-object"),
    ],
)
def test_bad_auth0_settings_are_400_and_change_nothing(mgmt, tenant, body, field):
    response = mgmt("PATCH", "tenants/settings", body)

    error = assert_error(response, 400, "invalid_body")
    assert field in error["message"], error
    unchanged = Tenant.objects.get(pk=tenant.pk)
    assert (unchanged.session_lifetime_in_minutes, unchanged.auth0_extra) == (10080, {})


AUTH0_CLIENT_FIELDS = {
    "oidc_conformant": True,
    "sso_disabled": False,
    "custom_login_page_on": True,
    "cross_origin_authentication": False,
    "native_social_login": {"apple": {"enabled": False}},
    "refresh_token": {"rotation_type": "non-rotating", "expiration_type": "non-expiring", "leeway": 0},
    "logo_uri": "https://acme.test/logo.png",
    "initiate_login_uri": "https://acme.test/login",
    "client_metadata": {"team": "web"},
    "organization_usage": "deny",
}


def test_clients_keep_auth0_fields(mgmt):
    # when
    created = mgmt(
        "POST",
        "clients",
        {
            "name": "Exported",
            "app_type": "regular_web",
            "is_first_party": True,
            "description": "from Auth0",
            "jwt_configuration": {"alg": "RS256", "lifetime_in_seconds": 3600, "secret_encoded": False},
            **AUTH0_CLIENT_FIELDS,
        },
    )
    client_id = created.json()["client_id"]
    mgmt("PATCH", f"clients/{client_id}", {"sso_disabled": True})

    # then
    assert created.status_code == 201, created.content
    got = mgmt("GET", f"clients/{client_id}").json()
    assert got == {**got, **AUTH0_CLIENT_FIELDS, "sso_disabled": True}
    assert got["jwt_configuration"] == {"alg": "RS256", "lifetime_in_seconds": 3600, "secret_encoded": False}
    listed = mgmt("GET", "clients").json()
    assert next(c for c in listed if c["client_id"] == client_id) == got


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"not_an_auth0_field": 1}, id="outside-schema"),
        pytest.param({"jwt_configuration": {"nope": 1}}, id="outside-jwt-configuration"),
        pytest.param({"oidc_conformant": "true"}, id="wrong-type"),
    ],
)
def test_clients_refuse_what_auth0_would(mgmt, body):
    response = mgmt("POST", "clients", {"name": "Bad", **body})

    assert_error(response, 400, "invalid_body")


def test_resource_servers_keep_auth0_fields(mgmt):
    extra = {
        "allow_online_access": True,
        "token_encryption": None,
        "consent_policy": "transactional-authorization-with-mfa",
    }

    created = mgmt("POST", "resource-servers", {"identifier": "https://x.test/", "name": "X", **extra})
    refused = mgmt("POST", "resource-servers", {"identifier": "https://y.test/", "verificationKey": "k"})

    assert created.status_code == 201, created.content
    got = mgmt("GET", f"resource-servers/{created.json()['id']}").json()
    assert got["allow_online_access"] is True
    assert got["consent_policy"] == "transactional-authorization-with-mfa"
    assert "token_encryption" not in got  # a null is the field left out
    assert_error(refused, 400, "invalid_body")


def test_client_grants_keep_auth0_fields(mgmt, tenant, rs256_api):
    client, _ = factories.make_client(tenant, name="M2M")

    created = mgmt(
        "POST",
        "client-grants",
        {"client_id": client.client_id, "audience": rs256_api.identifier, "subject_type": "client"},
    )
    patched = mgmt("PATCH", f"client-grants/{created.json()['id']}", {"allow_any_organization": True})
    refused = mgmt("PATCH", f"client-grants/{created.json()['id']}", {"subject_type": "user"})

    assert created.status_code == 201, created.content
    assert patched.json() == {**created.json(), "allow_any_organization": True}
    assert patched.json()["subject_type"] == "client"
    assert_error(refused, 400, "invalid_body")  # not in Auth0's update schema
