"""Auth0's own Python SDK (auth0-python) against a live Authport: the contract of SPEC section 5 is
that Auth0's SDKs work unchanged. The token comes from `GetToken.client_credentials`, the calls from
the SDK's generated Management API client pointed at `{server}/{slug}/api/v2`."""

import httpx
import jwt
import pytest
from auth0.authentication import GetToken
from auth0.management import Auth0
from auth0.management.core.api_error import ApiError
from auth0.management.types import ResourceServerScope
from django.test import Client as HttpClient

from apis.models import ResourceServer
from clients.models import Client, ClientGrant
from provisioning.services import tenant_provision
from tenants.models import Tenant


@pytest.fixture
def live(live_server, settings, transactional_db):
    """A tenant provisioned with the live server's URL as PUBLIC_URL, so that token issuers and the
    management audience name the server the SDK talks to."""
    settings.PUBLIC_URL = live_server.url
    provisioned = tenant_provision(slug="acme", friendly_name="Acme")
    host = live_server.url.removeprefix("http://")
    token = GetToken(
        f"{host}/acme",
        provisioned.management_client.client_id,
        client_secret=provisioned.management_client_secret,
        protocol="http",
    ).client_credentials(audience=provisioned.tenant.management_audience)["access_token"]
    # Our own HTTP client, closed at the end: a kept-alive connection would keep the server thread, and
    # its database connection, open after the test (PostgreSQL then refuses to drop the test database).
    with httpx.Client(timeout=30) as http:
        yield (
            provisioned.tenant,
            Auth0(base_url=f"{live_server.url}/acme/api/v2", token=token, max_retries=0, httpx_client=http),
        )


def test_sdk_token_is_a_management_token_of_the_tenant(live, live_server):
    # given
    tenant, api = live

    # then
    claims = jwt.decode(api._client_wrapper._get_token(), options={"verify_signature": False})
    assert claims["iss"] == f"{live_server.url}/acme/"
    assert claims["aud"] == f"{live_server.url}/acme/api/v2/"
    assert "create:resource_servers" in claims["scope"].split()


def test_sdk_creates_and_lists_resource_servers(live):
    # given
    tenant, api = live

    # when
    created = api.resource_servers.create(
        identifier="https://orders.test/",
        name="Orders",
        signing_alg="RS256",
        scopes=[ResourceServerScope(value="read:orders", description="Read orders")],
        token_lifetime=3600,
    )
    listed = list(api.resource_servers.list(per_page=1))  # the pager walks the pages until an empty one
    by_identifier = api.resource_servers.get(id="https://orders.test/")

    # then
    stored = ResourceServer.objects.for_tenant(tenant).get(identifier="https://orders.test/")
    assert (created.id, created.name, created.token_lifetime) == (stored.public_id, "Orders", 3600)
    assert [s.value for s in created.scopes] == ["read:orders"]
    assert [rs.identifier for rs in listed] == [tenant.management_audience, "https://orders.test/"]
    assert by_identifier.id == stored.public_id


def test_sdk_creates_a_client_grant_and_sets_the_default_audience(live, live_server):
    # given
    tenant, api = live
    orders = api.resource_servers.create(
        identifier="https://orders.test/", scopes=[ResourceServerScope(value="read:orders")]
    )

    # when
    app = api.clients.create(
        name="Orders worker", app_type="non_interactive", grant_types=["client_credentials"]
    )
    grant = api.client_grants.create(
        client_id=app.client_id, audience=orders.identifier, scope=["read:orders"]
    )
    settings_ = api.tenants.settings.update(default_audience=orders.identifier)

    # then
    assert ClientGrant.objects.get(public_id=grant.id).client.client_id == app.client_id
    assert (grant.audience, grant.scope) == ("https://orders.test/", ["read:orders"])
    assert settings_.default_audience == "https://orders.test/"
    assert Tenant.objects.get(pk=tenant.pk).default_audience.identifier == "https://orders.test/"
    # the new client gets a token for the Default Audience without asking for one
    token = GetToken(
        f"{live_server.url.removeprefix('http://')}/acme",
        app.client_id,
        client_secret=app.client_secret,
        protocol="http",
    ).client_credentials(audience=None)
    assert (
        jwt.decode(token["access_token"], options={"verify_signature": False})["aud"]
        == "https://orders.test/"
    )
    assert token["scope"] == "read:orders"


def test_sdk_rotates_a_client_secret(live):
    # given
    tenant, api = live
    app = api.clients.create(name="Worker", app_type="non_interactive", grant_types=["client_credentials"])

    # when
    rotated = api.clients.rotate_secret(id=app.client_id)

    # then
    assert rotated.client_secret
    assert rotated.client_secret != app.client_secret
    stored = Client.objects.get(client_id=app.client_id)
    assert stored.secret_matches(rotated.client_secret)
    assert not stored.secret_matches(app.client_secret)


def test_sdk_sees_auth0_errors(live):
    # given
    tenant, api = live
    api.resource_servers.create(identifier="https://orders.test/")

    # when
    with pytest.raises(ApiError) as excinfo:
        api.resource_servers.create(identifier="https://orders.test/")

    # then
    assert excinfo.value.status_code == 409
    assert excinfo.value.body["errorCode"] == "resource_server_conflict"


def test_live_token_endpoint_is_the_one_the_sdk_used(live, live_server):
    # the live server and the test client see the same database and issuer
    tenant, _ = live
    assert (
        HttpClient().get(f"/{tenant.slug}/.well-known/openid-configuration").json()["issuer"] == tenant.issuer
    )


def test_sdk_lists_client_grants_across_checkpoint_pages(live):
    # given
    tenant, api = live
    apis = [api.resource_servers.create(identifier=f"https://api-{n}.test/") for n in range(3)]
    app = api.clients.create(name="Worker", app_type="non_interactive", grant_types=["client_credentials"])
    for rs in apis:
        api.client_grants.create(client_id=app.client_id, audience=rs.identifier, scope=[])

    # when
    grants = list(api.client_grants.list(client_id=app.client_id, take=2))

    # then
    assert [g.audience for g in grants] == [rs.identifier for rs in apis]
