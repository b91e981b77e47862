"""`manage.py create_tenant` (SPEC section 4): what it creates and how it fails."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apis.models import ResourceServer
from clients.models import Client, ClientGrant
from provisioning.services import MANAGEMENT_SCOPES
from tenants.models import SigningKey, Tenant


def _create_tenant(*args: str) -> str:
    out = StringIO()
    call_command("create_tenant", *args, stdout=out)
    return out.getvalue()


def test_json_output_has_the_spec_shape(db, settings):
    # given
    settings.PUBLIC_URL = "https://auth.example.test"

    # when
    data = json.loads(_create_tenant("newco", "--json"))

    # then
    assert set(data) == {"tenant", "issuer", "management_client"}
    assert set(data["management_client"]) == {"client_id", "client_secret"}
    assert data["tenant"] == "newco"
    assert data["issuer"] == "https://auth.example.test/newco/"
    client = Client.objects.get(client_id=data["management_client"]["client_id"])
    assert client.tenant.slug == "newco"
    assert client.secret_matches(data["management_client"]["client_secret"]) is True


def test_name_sets_the_friendly_name(db):
    # when
    _create_tenant("newco", "--name", "New Co")

    # then
    assert Tenant.objects.get(slug="newco").friendly_name == "New Co"


def test_text_output_shows_the_issuer_and_credentials(db):
    # when
    out = _create_tenant("newco")

    # then
    client = Client.objects.get(tenant__slug="newco")
    assert "Created tenant newco (issuer http://127.0.0.1:8000/newco/)" in out
    assert f"management client_id:     {client.client_id}" in out


def test_creates_keys_management_api_and_an_all_scopes_grant(db):
    # when
    data = json.loads(_create_tenant("newco", "--json"))

    # then
    tenant = Tenant.objects.get(slug="newco")
    api = ResourceServer.objects.for_tenant(tenant).get()
    assert (api.identifier, api.name, api.signing_alg, api.is_system) == (
        "http://127.0.0.1:8000/newco/api/v2/",
        "Auth0 Management API",
        "RS256",
        True,
    )
    assert api.identifier == f"{tenant.issuer}api/v2/" == tenant.management_audience
    assert sorted(api.scope_values) == sorted(MANAGEMENT_SCOPES)
    grant = ClientGrant.objects.get(resource_server=api)
    assert grant.client.client_id == data["management_client"]["client_id"]
    assert sorted(grant.scope) == sorted(MANAGEMENT_SCOPES)
    assert grant.client.grant_types == ["client_credentials"]
    assert sorted(SigningKey.objects.for_tenant(tenant).values_list("alg", "state")) == [
        ("RS256", "current"),
        ("RS256", "next"),
    ]


def test_management_scopes_cover_every_spec_resource():
    # then: SPEC section 5 names these scopes
    for scope in [
        "read:resource_servers",
        "create:resource_servers",
        "update:resource_servers",
        "delete:resource_servers",
        "read:clients",
        "read:client_grants",
        "read:tenant_settings",
        "update:tenant_settings",
        "read:signing_keys",
        "create:signing_keys",
        "update:signing_keys",
        "read:users",
        "read:roles",
    ]:
        assert scope in MANAGEMENT_SCOPES


def test_second_call_with_the_same_slug_fails_and_changes_nothing(db):
    # given
    first = json.loads(_create_tenant("newco", "--json"))

    # when
    with pytest.raises(CommandError) as excinfo:
        _create_tenant("newco", "--json")

    # then
    assert str(excinfo.value) == 'A tenant with slug "newco" already exists.'
    assert Tenant.objects.filter(slug="newco").count() == 1
    assert list(Client.objects.filter(tenant__slug="newco").values_list("client_id", flat=True)) == [
        first["management_client"]["client_id"]
    ]


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        (
            "Bad_Slug",
            "slug: A slug is 1 to 63 lowercase letters, digits and hyphens, "
            "and starts and ends with a letter or digit.",
        ),
        ("admin", 'slug: "admin" is a reserved word and cannot be a tenant slug.'),
    ],
    ids=["pattern", "reserved"],
)
def test_invalid_slug_fails_with_a_one_line_reason(db, slug, message):
    # when
    with pytest.raises(CommandError) as excinfo:
        _create_tenant(slug)

    # then
    assert str(excinfo.value) == message
    assert "\n" not in str(excinfo.value)
    assert not Tenant.objects.exists()
    assert not Client.objects.exists()
