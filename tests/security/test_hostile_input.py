"""Hostile bodies, paths and methods: each endpoint answers in its own error shape, never a 500 or HTML.

The OAuth endpoints answer RFC 6749 JSON, the Management API Auth0's `{statusCode, error, message,
errorCode}` (SPEC sections 3 and 5).
"""

import json

import pytest
from django.core.exceptions import RequestDataTooBig

from accounts.models import TenantUser
from apis.models import ResourceServer
from management_api.errors import management_exception_handler
from tests import factories
from tests.management.conftest import assert_error
from tests.tokens.conftest import assert_oauth_error

DEEP_ARRAY = "[" * 30_000
DEEP_OBJECT = '{"a":' * 12_000  # 60 KB: under the token endpoint's 64 KiB
DB = "Username-Password-Authentication"
PASSWORD = factories.DEFAULT_PASSWORD


def assert_json(response) -> None:
    assert response["Content-Type"] == "application/json", response["Content-Type"]


def nested(depth: int) -> str:
    """A JSON value of arrays nested `depth` levels (1 = `[]`)."""
    return "[" * depth + "]" * depth


def user_with_metadata(raw_value: str) -> str:
    """A user-creation body with `app_metadata: {"a": raw_value}`, the value inserted as given."""
    body = {"connection": DB, "email": "deep@example.test", "password": PASSWORD, "app_metadata": {"a": 0}}
    return json.dumps(body).replace('{"a": 0}', '{"a": ' + raw_value + "}")


# -- nesting that exhausts the stack ----------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["token", "revoke"])
@pytest.mark.parametrize("raw", [DEEP_ARRAY, DEEP_OBJECT], ids=["arrays_case", "objects_case"])
def test_deeply_nested_json_at_an_oauth_endpoint_is_invalid_request(client, tenant, endpoint, raw):
    # given: no credentials at all, and nesting that raises RecursionError in the json module
    client.raise_request_exception = False
    # when
    resp = client.post(f"/acme/oauth/{endpoint}", raw, content_type="application/json")
    # then
    assert_oauth_error(resp, 400, "invalid_request", "The request body is nested too deeply.")
    assert_json(resp)


@pytest.mark.parametrize("raw", [DEEP_ARRAY, DEEP_OBJECT], ids=["arrays_case", "objects_case"])
def test_deeply_nested_json_in_the_management_api_is_invalid_body(client, mgmt, raw):
    # given
    client.raise_request_exception = False
    before = ResourceServer.objects.count()
    # when
    resp = mgmt("POST", "resource-servers", raw=raw)
    # then
    assert_error(
        resp,
        400,
        "invalid_body",
        "Invalid request payload JSON format: nested too deeply (at most 32 levels).",
    )
    assert_json(resp)
    assert ResourceServer.objects.count() == before


@pytest.mark.parametrize("depth", [33, 500, 990])
def test_metadata_nested_deeper_than_32_levels_is_invalid_body(client, mgmt, tenant, depth):
    # given: deep enough for the parser, deep enough for the recursive checks behind it
    client.raise_request_exception = False
    raw = user_with_metadata(nested(depth - 2))
    # when
    resp = mgmt("POST", "users", raw=raw)
    # then
    assert_error(
        resp,
        400,
        "invalid_body",
        "Invalid request payload JSON format: nested too deeply (at most 32 levels).",
    )
    assert not TenantUser.objects.for_tenant(tenant).filter(email="deep@example.test").exists()


def test_metadata_nested_32_levels_is_accepted(mgmt, tenant):
    # given: the control case, at the limit (the body object is level 1)
    raw = user_with_metadata(nested(30))
    # when
    resp = mgmt("POST", "users", raw=raw)
    # then
    assert resp.status_code == 201, resp.content[:300]
    assert resp.json()["app_metadata"] == json.loads(raw)["app_metadata"]


def test_deeply_nested_json_without_a_token_is_401_before_any_parsing(client, tenant):
    # when: the body is read only for an authenticated caller
    resp = client.post("/acme/api/v2/resource-servers", DEEP_ARRAY, content_type="application/json")
    # then
    assert_error(resp, 401, "invalid_token", "Missing authentication.")


# -- duplicate keys: the last one would win, where a proxy may read the first --------------------------


@pytest.mark.parametrize("repeated", ["grant_type", "audience", "client_id", "client_secret"])
def test_repeated_json_key_at_the_token_endpoint_is_invalid_request(client, rs256_api, m2m_app, repeated):
    # given: the first grant_type says password, the last one client_credentials
    first = {
        "grant_type": "password",
        "audience": "https://evil.test/",
        "client_id": "x",
        "client_secret": "y",
    }
    pairs = {"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds}
    raw = "{" + f"{json.dumps(repeated)}: {json.dumps(first[repeated])}, " + json.dumps(pairs)[1:]
    # when
    resp = client.post("/acme/oauth/token", raw, content_type="application/json")
    # then
    assert_oauth_error(resp, 400, "invalid_request", f"The {repeated} parameter is repeated; send it once.")
    assert_json(resp)


def test_repeated_json_key_at_the_revocation_endpoint_is_invalid_request(client, m2m_app):
    # given
    raw = '{"token": "a", "token": "b", ' + json.dumps(m2m_app.creds)[1:]
    # when
    resp = client.post("/acme/oauth/revoke", raw, content_type="application/json")
    # then
    assert_oauth_error(resp, 400, "invalid_request", "The token parameter is repeated; send it once.")


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ('{"identifier": "https://dup.test/", "name": "a", "name": "b"}', "name"),
        ('{"identifier": "https://dup.test/", "scopes": [{"value": "a", "value": "b"}]}', "value"),
    ],
    ids=["top_level_case", "nested_case"],
)
def test_repeated_json_key_in_the_management_api_is_invalid_body(mgmt, raw, key):
    # when
    resp = mgmt("POST", "resource-servers", raw=raw)
    # then
    assert_error(
        resp, 400, "invalid_body", f"Invalid request payload JSON format: the key '{key}' is repeated."
    )
    assert_json(resp)
    assert not ResourceServer.objects.filter(identifier="https://dup.test/").exists()


def test_repeated_lone_surrogate_key_is_invalid_body_not_500(client, mgmt):
    # given: a key no UTF-8 encoder can write back into the error message as it is
    client.raise_request_exception = False
    # when
    resp = mgmt("POST", "resource-servers", raw='{"\\ud800": 1, "\\ud800": 2}')
    # then
    assert_error(
        resp, 400, "invalid_body", "Invalid request payload JSON format: the key '\\\\ud800' is repeated."
    )


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_refused_everywhere(client, mgmt, m2m_app, constant):
    # given: Python's json extensions, not RFC 8259 JSON
    token_raw = '{"grant_type": "client_credentials", "audience": ' + constant + "}"
    # when
    oauth = client.post("/acme/oauth/token", token_raw, content_type="application/json")
    management = mgmt(
        "POST", "resource-servers", raw='{"identifier": "https://x.test/", "x": ' + constant + "}"
    )
    # then
    assert_oauth_error(oauth, 400, "invalid_request", "The request body is not valid JSON.")
    assert_error(management, 400, "invalid_body", "Invalid request payload JSON format.")


# -- paths and methods the Management API does not have ------------------------------------------------


@pytest.mark.parametrize("path", ["nope", "clients/x/y/z", "", "clients/", "resource-servers/a/b%0Ac"])
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "TRACE"])
def test_unknown_management_path_is_auth0_json_404(client, tenant, path, method):
    # when: no token either; which endpoints exist is public (the OpenAPI document)
    resp = client.generic(method, f"/acme/api/v2/{path}")
    # then
    assert_error(resp, 404, "inexistent_resource", "Not found.")
    assert_json(resp)
    assert "Allow" not in resp


def test_unknown_management_path_of_an_unknown_tenant_is_inexistent_tenant(client, db):
    # when
    resp = client.get("/nobody/api/v2/nope")
    # then
    assert_error(resp, 404, "inexistent_tenant", "Tenant not found.")
    assert_json(resp)


@pytest.mark.parametrize("method", ["PUT", "TRACE", "OPTIONS", "BREW"])
def test_unknown_method_on_a_known_path_is_auth0_json_405_with_allow(client, tenant, api_token, method):
    # when
    resp = client.generic(method, "/acme/api/v2/clients", HTTP_AUTHORIZATION=f"Bearer {api_token}")
    # then
    assert_error(resp, 405, "method_not_allowed", f'Method "{method}" not allowed.')
    assert_json(resp)
    assert resp["Allow"] == "GET, POST, HEAD"


def test_unknown_method_without_a_token_is_401_first(client, tenant):
    # when: authentication runs before method dispatch (DRF's order); nothing else is told
    resp = client.generic("PUT", "/acme/api/v2/clients")
    # then
    assert_error(resp, 401, "invalid_token", "Missing authentication.")


# -- bodies over the limit -------------------------------------------------------------------------------


def test_management_body_over_1_mib_is_auth0_json_413(client, mgmt, tenant, settings):
    # given
    client.raise_request_exception = False
    raw = json.dumps(
        {"connection": DB, "email": "big@example.test", "password": PASSWORD, "x": "x" * 1024 * 1024}
    )
    # when
    resp = mgmt("POST", "users", raw=raw)
    # then
    limit = settings.MANAGEMENT_API_MAX_BODY_SIZE
    message = f"Payload content length greater than maximum allowed: {limit}"
    assert_error(resp, 413, "payload_too_large", message)
    assert resp.json()["error"] == "Request Entity Too Large"
    assert_json(resp)
    assert not TenantUser.objects.for_tenant(tenant).filter(email="big@example.test").exists()


def test_management_body_over_64_kib_within_1_mib_is_served(mgmt):
    # given: the token endpoint's 64 KiB is not the Management API's limit (Auth0's is 1 MB)
    body = {"connection": DB, "email": "notes@example.test", "password": PASSWORD}
    body["app_metadata"] = {"notes": "n" * 100_000}
    # when
    resp = mgmt("POST", "users", body)
    # then
    assert resp.status_code == 201, resp.content[:300]
    assert resp.json()["app_metadata"]["notes"] == "n" * 100_000


def test_djangos_own_body_limit_renders_as_auth0_json_413():
    # when: anything that reads request.body past DATA_UPLOAD_MAX_MEMORY_SIZE
    resp = management_exception_handler(RequestDataTooBig("too big"), {})
    # then
    assert resp.status_code == 413
    assert resp.data == {
        "statusCode": 413,
        "error": "Request Entity Too Large",
        "message": "Payload content length greater than maximum allowed.",
        "errorCode": "payload_too_large",
    }
