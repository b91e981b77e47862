"""OpenAPI links of the Management API's schema (drf-spectacular has no way to declare them).

A creation (a POST answered 201) links to every operation on what it created: the operations under
its own path with one more parameter (`POST /roles` -> `GET /roles/{role_id}`, `POST
/roles/{role_id}/permissions`, ...), which take the created object's property of the parameter's
name, else its `id`; and the operations elsewhere whose only parameter is named as one of the
created object's properties, `id` excepted (`POST /users` -> `GET /user-blocks/{user_id}`). Tools that chain
calls (schemathesis' stateful phase, Swagger UI's links) follow them.
"""

import re

METHODS = ("get", "put", "post", "patch", "delete")
TENANT = "tenant_slug"
PARAMETER = re.compile(r"\{(\w+)\}")


def _properties(schema: dict, response: dict) -> set[str]:
    ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    component = schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
    return set(component.get("properties", {}))


def _source(path: str, created_at: str, parameter: str, properties: set[str]) -> str | None:
    """The created object's property a parameter of `path` takes, or None: no link. A parameter
    named `id` is every object's: it links only under the creation's own path."""
    own = path.startswith(f"{created_at}/{{{parameter}}}")
    if parameter in properties and (own or parameter != "id"):
        return parameter
    if own and "id" in properties:
        return "id"
    return None


def creation_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the links above to every 201 answer."""
    paths = result.get("paths", {})
    for created_at, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        if created is None:
            continue
        properties = _properties(result, created)
        links = {}
        for path, others in paths.items():
            parameters = [p for p in PARAMETER.findall(path) if p != TENANT]
            if path == created_at or len(parameters) != 1:
                continue
            source = _source(path, created_at, parameters[0], properties)
            if source is None:
                continue
            for method in METHODS:
                operation_id = others.get(method, {}).get("operationId")
                if operation_id:
                    links[operation_id] = {
                        "operationId": operation_id,
                        "parameters": {
                            TENANT: f"$request.path.{TENANT}",
                            parameters[0]: f"$response.body#/{source}",
                        },
                    }
        if links:
            created["links"] = links
    return result
