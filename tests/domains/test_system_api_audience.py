"""A tenant made before TENANT_DOMAIN was set keeps its system API stored under the path-based
management audience; the Management API and exports show the canonical one, which its tokens carry,
and both name the system API (SPEC section 1)."""

from io import StringIO
from urllib.parse import quote

import pytest
import yaml
from django.core.management import call_command

from accounts.services import permissions_assign, role_create
from apis.models import ResourceServer
from tests import factories
from tests.domains.conftest import PUBLIC_HOST, call, token_via

LEGACY_HOST = "legacy.auth.example.test:8000"
CANONICAL = "http://legacy.auth.example.test:8000/api/v2/"
PATH_BASED = "http://127.0.0.1:8000/legacy/api/v2/"
SCOPES = ["read:resource_servers", "read:client_grants", "read:roles"]


@pytest.fixture
def legacy(settings, db):
    """A tenant made while TENANT_DOMAIN was unset, served since with it."""
    settings.TENANT_DOMAIN = ""
    tenant = factories.make_tenant("legacy")
    settings.TENANT_DOMAIN = "auth.example.test"
    return tenant


@pytest.fixture
def token(legacy) -> str:
    return token_via(LEGACY_HOST, "/", legacy, SCOPES)["access_token"]


def test_the_system_api_is_shown_under_the_canonical_audience(legacy, token):
    # when
    listed = call(LEGACY_HOST, "GET", "/api/v2/resource-servers", token)
    by_path = call(PUBLIC_HOST, "GET", "/legacy/api/v2/resource-servers", token)

    # then
    assert listed.status_code == 200, listed.content
    system = [api for api in listed.json() if api["is_system"]]
    assert [api["identifier"] for api in system] == [CANONICAL]
    assert by_path.json() == listed.json()  # whatever host the request came through
    assert (
        ResourceServer.objects.get(tenant=legacy, is_system=True).identifier == PATH_BASED
    )  # stored as it was


@pytest.mark.parametrize("identifier", [CANONICAL, PATH_BASED], ids=["canonical", "path-based-alias"])
def test_either_audience_names_the_system_api(legacy, token, identifier):
    # when
    response = call(LEGACY_HOST, "GET", f"/api/v2/resource-servers/{quote(identifier, safe='')}", token)

    # then
    assert response.status_code == 200, response.content
    assert (response.json()["is_system"], response.json()["identifier"]) == (True, CANONICAL)


@pytest.mark.parametrize("audience", [CANONICAL, PATH_BASED], ids=["canonical", "path-based-alias"])
def test_client_grants_on_the_system_api_show_and_filter_by_the_canonical_audience(legacy, token, audience):
    # when
    every = call(LEGACY_HOST, "GET", "/api/v2/client-grants", token)
    filtered = call(LEGACY_HOST, "GET", f"/api/v2/client-grants?audience={quote(audience, safe='')}", token)

    # then
    assert every.status_code == 200, every.content
    assert {grant["audience"] for grant in every.json()} == {CANONICAL}
    assert filtered.json() == every.json()  # every grant of this tenant is on its system API


def test_role_permissions_on_the_system_api_show_and_export_the_canonical_audience(legacy, token, tmp_path):
    # given
    role = role_create(tenant=legacy, name="Auditor", description="")
    permissions_assign(tenant=legacy, permissions=[(PATH_BASED, "read:clients")], role=role)

    # when
    shown = call(LEGACY_HOST, "GET", f"/api/v2/roles/{role.public_id}/permissions", token)
    call_command("export_tenant", "legacy", "--out", str(tmp_path), stdout=StringIO())

    # then
    assert [p["resource_server_identifier"] for p in shown.json()] == [CANONICAL]
    exported = (tmp_path / "tenant.yaml").read_text()
    assert PATH_BASED not in exported
    [auditor] = yaml.safe_load(exported)["roles"]
    assert auditor["permissions"] == [
        {"permission_name": "read:clients", "resource_server_identifier": CANONICAL}
    ]
