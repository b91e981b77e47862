"""Unknown endpoints and methods answer in JSON, never Django's HTML pages (the admin keeps its own)."""

import pytest


@pytest.mark.parametrize("path", ["/nope", "/acme/nope", "/acme/oauth/token/", "/acme/.well-known/nope"])
def test_an_unknown_endpoint_is_a_json_404(client, tenant, path):
    # when
    resp = client.post(path) if path.endswith("token/") else client.get(path)

    # then
    assert resp.status_code == 404
    assert resp["Content-Type"] == "application/json"
    assert resp.json() == {"error": "not_found", "error_description": f"No endpoint at {path}."}


def test_an_unknown_management_api_path_keeps_auth0s_shape(client, tenant):
    # when
    resp = client.get("/acme/api/v2/no-such-collection/x/y")

    # then
    assert resp.status_code == 404
    assert set(resp.json()) >= {"statusCode", "error", "message"}


@pytest.mark.parametrize("path", ["/acme/.well-known/jwks.json", "/acme/.well-known/openid-configuration"])
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_published_documents_refuse_writes(client, tenant, path, method):
    # when
    resp = getattr(client, method)(path)

    # then
    assert resp.status_code == 405
    assert resp["Allow"] == "GET, HEAD, OPTIONS"
    assert resp.json()["error"] == "invalid_request"


def test_the_admin_keeps_its_own_not_found_page(admin_client):
    # when
    resp = admin_client.get("/admin/no-such-app/")

    # then
    assert resp.status_code == 404
    assert resp["Content-Type"].startswith("text/html")
