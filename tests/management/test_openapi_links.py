"""The served OpenAPI schema links each creation to the operations on what it created
(management_api/openapi.py), so that schemathesis' stateful phase can chain them, and stays valid."""

import json

from drf_spectacular.validation import validate_schema


def _schema(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def _links(schema: dict, path: str) -> dict:
    return schema["paths"][f"/{{tenant_slug}}/api/v2/{path}"]["post"]["responses"]["201"]["links"]


def test_creations_link_to_what_they_created(client):
    schema = _schema(client)

    validate_schema(schema)
    roles = _links(schema, "roles")
    assert roles["roles_permissions_assign"] == {
        "operationId": "roles_permissions_assign",
        "parameters": {"tenant_slug": "$request.path.tenant_slug", "role_id": "$response.body#/id"},
    }
    assert {"roles_get", "roles_update", "roles_delete", "roles_permissions_list"} <= set(roles)
    users = _links(schema, "users")
    assert users["users_roles_assign"]["parameters"]["user_id"] == "$response.body#/user_id"
    assert "user_blocks_get" in users  # named as the created user's property, elsewhere
    assert set(_links(schema, "clients")) == {
        "clients_get",
        "clients_update",
        "clients_delete",
        "clients_rotate_secret",
    }
    # an `id` parameter links only under the creation's own path
    assert not any(name.startswith("resource_servers") for name in _links(schema, "client-grants"))


def test_a_page_matches_one_list_schema_only(client):
    """A page of client grants used to match both the include_totals and the checkpoint schema."""
    schemas = _schema(client)["components"]["schemas"]

    assert len(schemas["ClientGrantsList"]["oneOf"]) == 2
    assert "next" in schemas["ClientGrantsPage"]["properties"]
    assert schemas["ClientGrantsPage"]["required"] == ["client_grants"]
    assert set(schemas["LogsPage"]["required"]) == {"logs", "start", "limit", "length", "total"}
    assert "required" not in schemas["LogEventListed"]  # `fields` picks what a listed event has
