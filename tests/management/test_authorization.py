"""Who may call what: the authorization matrix of every Management API endpoint (SPEC section 5).

Each endpoint is called with no token, another tenant's management token, a token of this tenant for
another audience, a token lacking the endpoint's scope, and a token with exactly that scope. Every
denial is checked to leave the database as it was.
"""

from dataclasses import dataclass, field

import pytest

from accounts.models import Permission, Role, TenantUser
from apis.models import ResourceServer
from clients.models import Client, ClientGrant
from provisioning.services import MANAGEMENT_SCOPES
from tenants.models import USER_DATABASE, SigningKey, Tenant
from tenants.services import signing_keys_rotate
from tests import factories
from tests.management.conftest import ManagementApi, assert_error, token_for


@dataclass
class World:
    api: ResourceServer
    app: Client
    ungranted_app: Client
    grant: ClientGrant
    user: TenantUser
    role: Role
    other_role: Role
    current_kid: str
    previous_kid: str


@pytest.fixture
def world(tenant, rs256_api) -> World:
    app, _ = factories.make_client(tenant, name="App")
    ungranted_app, _ = factories.make_client(tenant, name="Ungranted app")
    grant = factories.make_grant(app, rs256_api, scope=["read:items"])
    user = factories.make_user(tenant)
    role, other_role = (
        Role.objects.create(tenant=tenant, name="Reader"),
        Role.objects.create(tenant=tenant, name="Writer"),
    )
    user.roles.add(role)
    Permission.objects.create(
        tenant=tenant, resource_server=rs256_api, permission_name="read:items", user=user
    )
    Permission.objects.create(
        tenant=tenant, resource_server=rs256_api, permission_name="read:items", role=role
    )
    rotation = next(r for r in signing_keys_rotate(tenant=tenant) if r.alg == "RS256")
    return World(
        api=rs256_api,
        app=app,
        ungranted_app=ungranted_app,
        grant=grant,
        user=user,
        role=role,
        other_role=other_role,
        current_kid=rotation.current_kid,
        previous_kid=rotation.previous_kid,
    )


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # formatted with the World's attributes
    scopes: tuple[str, ...]  # what the right-scope token carries
    status: int  # the right-scope answer
    body: object = None
    lacking: tuple[str, ...] = ()  # left out of the missing-scope token (default: `scopes`)
    id: str = field(default="")

    def url(self, w: World) -> str:
        return self.path.format(w=w)

    def payload(self, w: World):
        return self.body(w) if callable(self.body) else self.body


PERMS = {
    "permissions": [
        {"resource_server_identifier": "https://api.acme.test/", "permission_name": "write:items"}
    ]
}
ENDPOINTS = [
    Endpoint("GET", "resource-servers", ("read:resource_servers",), 200),
    Endpoint(
        "POST", "resource-servers", ("create:resource_servers",), 201, {"identifier": "https://new.test/"}
    ),
    Endpoint("GET", "resource-servers/{w.api.public_id}", ("read:resource_servers",), 200),
    Endpoint(
        "PATCH", "resource-servers/{w.api.public_id}", ("update:resource_servers",), 200, {"name": "Renamed"}
    ),
    Endpoint("DELETE", "resource-servers/{w.api.public_id}", ("delete:resource_servers",), 204),
    Endpoint("GET", "clients", ("read:clients",), 200),
    Endpoint("POST", "clients", ("create:clients",), 201, {"name": "New app"}),
    Endpoint("GET", "clients/{w.app.client_id}", ("read:clients",), 200),
    Endpoint("PATCH", "clients/{w.app.client_id}", ("update:clients",), 200, {"name": "Renamed"}),
    Endpoint("DELETE", "clients/{w.app.client_id}", ("delete:clients",), 204),
    Endpoint(
        "POST",
        "clients/{w.app.client_id}/rotate-secret",
        ("update:clients",),
        200,
        lacking=("update:clients", "update:client_keys"),
    ),
    Endpoint("GET", "client-grants", ("read:client_grants",), 200),
    Endpoint(
        "POST",
        "client-grants",
        ("create:client_grants",),
        201,
        lambda w: {
            "client_id": w.ungranted_app.client_id,
            "audience": w.api.identifier,
            "scope": ["read:items"],
        },
    ),
    Endpoint("GET", "client-grants/{w.grant.public_id}", ("read:client_grants",), 200),
    Endpoint(
        "PATCH",
        "client-grants/{w.grant.public_id}",
        ("update:client_grants",),
        200,
        {"scope": ["write:items"]},
    ),
    Endpoint("DELETE", "client-grants/{w.grant.public_id}", ("delete:client_grants",), 204),
    Endpoint("GET", "tenants/settings", ("read:tenant_settings",), 200),
    Endpoint("PATCH", "tenants/settings", ("update:tenant_settings",), 200, {"friendly_name": "Renamed"}),
    Endpoint("GET", "keys/signing", ("read:signing_keys",), 200),
    Endpoint("GET", "keys/signing/{w.current_kid}", ("read:signing_keys",), 200),
    Endpoint(
        "POST",
        "keys/signing/rotate",
        ("create:signing_keys", "update:signing_keys"),
        201,
        lacking=("update:signing_keys",),  # both are required: create alone is not enough
    ),
    Endpoint("PUT", "keys/signing/{w.previous_kid}/revoke", ("update:signing_keys",), 200),
    Endpoint("GET", "users", ("read:users",), 200),
    Endpoint(
        "POST",
        "users",
        ("create:users",),
        201,
        {"email": "new@example.test", "password": "new user pass", "connection": USER_DATABASE},
    ),
    Endpoint("GET", "users/{w.user.user_id}", ("read:users",), 200),
    Endpoint("PATCH", "users/{w.user.user_id}", ("update:users",), 200, {"name": "Renamed"}),
    Endpoint("DELETE", "users/{w.user.user_id}", ("delete:users",), 204),
    Endpoint("GET", "users/{w.user.user_id}/permissions", ("read:users",), 200),
    Endpoint("POST", "users/{w.user.user_id}/permissions", ("update:users",), 201, PERMS),
    Endpoint(
        "DELETE",
        "users/{w.user.user_id}/permissions",
        ("update:users",),
        204,
        {
            "permissions": [
                {"resource_server_identifier": "https://api.acme.test/", "permission_name": "read:items"}
            ]
        },
    ),
    Endpoint("GET", "users/{w.user.user_id}/roles", ("read:users",), 200),
    Endpoint(
        "POST",
        "users/{w.user.user_id}/roles",
        ("update:users",),
        201,
        lambda w: {"roles": [w.other_role.public_id]},
        lacking=("update:users", "create:role_members"),
    ),
    Endpoint(
        "DELETE",
        "users/{w.user.user_id}/roles",
        ("update:users",),
        204,
        lambda w: {"roles": [w.role.public_id]},
        lacking=("update:users", "delete:role_members"),
    ),
    Endpoint("GET", "roles", ("read:roles",), 200),
    Endpoint("POST", "roles", ("create:roles",), 201, {"name": "New role"}),
    Endpoint("GET", "roles/{w.role.public_id}", ("read:roles",), 200),
    Endpoint("PATCH", "roles/{w.role.public_id}", ("update:roles",), 200, {"description": "Reads items"}),
    Endpoint("DELETE", "roles/{w.role.public_id}", ("delete:roles",), 204),
    Endpoint("GET", "roles/{w.role.public_id}/permissions", ("read:roles",), 200),
    Endpoint("POST", "roles/{w.role.public_id}/permissions", ("update:roles",), 201, PERMS),
    Endpoint(
        "DELETE",
        "roles/{w.role.public_id}/permissions",
        ("update:roles",),
        204,
        {
            "permissions": [
                {"resource_server_identifier": "https://api.acme.test/", "permission_name": "read:items"}
            ]
        },
    ),
    Endpoint(
        "POST",
        "token-explanations",
        ("read:resource_servers",),
        200,
        lambda w: {"grant_type": "client_credentials", "client_id": w.app.client_id},
    ),
]
ENDPOINT_IDS = [f"{e.method} {e.path.replace('{w.', '{').replace('.public_id}', '}')}" for e in ENDPOINTS]

STATE_MODELS = (
    Tenant,
    ResourceServer,
    Client,
    ClientGrant,
    SigningKey,
    TenantUser,
    TenantUser.roles.through,
    Role,
    Permission,
)


def snapshot() -> dict:
    """Every row the Management API can change, as plain values."""
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in STATE_MODELS}


def _token(case: str, endpoint: Endpoint, request, tenant, world) -> str | None:
    if case == "no_token":
        return None
    if case == "other_tenant":
        return token_for(request.getfixturevalue("other_tenant"), MANAGEMENT_SCOPES)
    if case == "other_audience":
        return token_for(tenant, world.api.scope_values, api=world.api)
    if case == "missing_scope":
        lacking = set(endpoint.lacking or endpoint.scopes)
        return token_for(tenant, [s for s in MANAGEMENT_SCOPES if s not in lacking])
    return token_for(tenant, endpoint.scopes)


DENIALS = {
    "no_token": (401, "invalid_token"),
    "other_tenant": (401, "invalid_token"),
    "other_audience": (401, "invalid_token"),
    "missing_scope": (403, "insufficient_scope"),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
def test_authorization_matrix(endpoint, request, client, tenant, world):
    """The five callers in turn: the four denials first (each must leave every row as it was), then
    the right scope. One world serves all five, since a denial changes nothing."""
    call = ManagementApi(client, tenant.slug)
    for case, (status, error_code) in DENIALS.items():
        # given
        token = _token(case, endpoint, request, tenant, world)
        before = snapshot()

        # when
        response = call(endpoint.method, endpoint.url(world), endpoint.payload(world), token=token)

        # then
        body = assert_error(response, status, error_code)
        if case == "missing_scope":
            assert body["message"].startswith("Insufficient scope, expected"), body
            assert all(scope in body["message"] for scope in (endpoint.lacking or endpoint.scopes)), body
        else:
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), case
        assert snapshot() == before, f"{case}: a denied call changed the database"

    # given a token with exactly the endpoint's scope
    token = _token("right_scope", endpoint, request, tenant, world)

    # when
    response = call(endpoint.method, endpoint.url(world), endpoint.payload(world), token=token)

    # then
    assert response.status_code == endpoint.status, response.content[:500]
