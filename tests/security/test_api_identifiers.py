"""No API takes a tenant's special audience as its identifier (SPEC sections 1 and 2).

`{PUBLIC_URL}/{slug}/userinfo` and `{PUBLIC_URL}/{slug}/api/v2/` are the audiences Authport itself
serves. An API registered under one of them would have tokens minted for it by whoever registered
it: tokens whose `aud` is another tenant's Management API, or a userinfo audience that is no longer
Authport's. Refused on both surfaces, for every slug, existing or not, since a tenant can be made later.
"""

import pytest
from django.core.exceptions import ValidationError

from apis.models import ResourceServer
from apis.services import resource_server_create
from provisioning.services import MANAGEMENT_SCOPES
from tests import factories
from tests.management.conftest import ManagementApi, assert_error, token_for
from tests.security import staff

P = "http://127.0.0.1:8000"  # PUBLIC_URL of the test settings

admin_client = staff.admin_client  # a staff member of acme, then a superuser


@pytest.fixture
def management(client, tenant) -> ManagementApi:
    return ManagementApi(client, tenant.slug, token_for(tenant, MANAGEMENT_SCOPES))


RESERVED = [
    pytest.param(f"{P}/acme/userinfo", id="own-userinfo"),
    pytest.param(f"{P}/acme/userinfo/", id="own-userinfo-slash"),
    pytest.param(f"{P}/acme/api/v2", id="own-management-no-slash"),
    pytest.param(f"{P}/acme/api/v2/users", id="under-own-management"),
    pytest.param(f"{P}/other/api/v2/", id="other-tenants-management"),
    pytest.param(f"{P}/other/api/v2", id="other-tenants-management-no-slash"),
    pytest.param(f"{P}/other/api/v2/clients/", id="under-other-tenants-management"),
    pytest.param(f"{P}/other/userinfo", id="other-tenants-userinfo"),
    pytest.param(f"{P}/not-yet-a-tenant/api/v2/", id="future-tenants-management"),
    pytest.param(f"{P}/not-yet-a-tenant/userinfo", id="future-tenants-userinfo"),
    pytest.param("HTTP://127.0.0.1:8000/other/api/v2/", id="scheme-in-capitals"),
    pytest.param(f"{P}/other/api/v2/?x=1", id="with-a-query"),
]


@pytest.mark.parametrize("identifier", RESERVED)
def test_management_api_refuses_a_special_audience_as_identifier(management, other_tenant, identifier):
    # given
    before = ResourceServer.objects.count()
    # when
    resp = management("POST", "resource-servers", {"identifier": identifier, "name": "Mine now"})
    # then
    body = assert_error(resp, 400, "invalid_body")
    assert "reserved" in body["message"]
    assert body["message"].endswith("on property identifier.")
    assert ResourceServer.objects.count() == before


@pytest.mark.parametrize("identifier", RESERVED)
def test_admin_refuses_a_special_audience_as_identifier(admin_client, tenant, other_tenant, identifier):
    # given
    before = ResourceServer.objects.count()
    # when
    resp = admin_client.post(
        "/admin/apis/resourceserver/add/",
        {
            "tenant": str(tenant.pk),
            "identifier": identifier,
            "name": "Mine now",
            "signing_alg": "RS256",
            "scopes": "[]",
            "token_lifetime": "86400",
            "token_lifetime_for_web": "7200",
            "token_dialect": "access_token",
        },
    )
    # then
    assert resp.status_code == 200
    errors = resp.context["adminform"].form.errors
    assert list(errors) == ["identifier"]
    assert "reserved" in errors["identifier"][0]
    assert ResourceServer.objects.count() == before


def test_the_rule_follows_public_url(client, db, settings):
    # given: a deployment on https, its tenant (and Management API) made under that PUBLIC_URL
    settings.PUBLIC_URL = "https://auth.example.com"
    tenant = factories.make_tenant("deployed")
    management = ManagementApi(client, tenant.slug, token_for(tenant, MANAGEMENT_SCOPES))
    # when
    reserved = management("POST", "resource-servers", {"identifier": "https://auth.example.com/x/userinfo"})
    default_port = management(
        "POST", "resource-servers", {"identifier": "https://AUTH.example.com:443/x/api/v2/"}
    )
    old_public_url = management("POST", "resource-servers", {"identifier": f"{P}/x/userinfo"})
    # then
    assert_error(reserved, 400, "invalid_body")
    assert_error(default_port, 400, "invalid_body")
    assert old_public_url.status_code == 201


@pytest.mark.parametrize(
    "identifier",
    [
        "https://api.example.test/userinfo",
        "https://api.example.test/api/v2/",
        f"{P}/acme/orders",
        f"{P}/acme/api/v2x",
        f"{P}/acme/api/v3/",
        f"{P}/acme/userinfos",
        "http://127.0.0.1:8001/acme/userinfo",
        "urn:acme:userinfo",
    ],
)
def test_other_identifiers_are_registered(management, identifier):
    # when
    resp = management("POST", "resource-servers", {"identifier": identifier})
    # then
    assert resp.status_code == 201, resp.content
    assert resp.json()["identifier"] == identifier


def test_provisioning_still_creates_the_system_api(db):
    # when
    tenant = factories.make_tenant("fresh")
    # then
    api = ResourceServer.objects.get(tenant=tenant, is_system=True)
    assert api.identifier == f"{P}/fresh/api/v2/" == tenant.management_audience


def test_a_system_api_takes_only_its_own_tenants_management_audience(tenant, other_tenant):
    # when
    with pytest.raises(ValidationError) as refused:
        resource_server_create(tenant=tenant, identifier=other_tenant.management_audience, is_system=True)
    # then
    assert "reserved" in refused.value.message_dict["identifier"][0]
    assert not ResourceServer.objects.filter(
        tenant=tenant, identifier=other_tenant.management_audience
    ).exists()
