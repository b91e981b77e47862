"""OIDC Discovery and RFC 8414 metadata (SPEC 1)."""

import pytest

from tests.tokens.conftest import issuer_of

DISCOVERY_PATHS = [
    "/acme/.well-known/openid-configuration",
    "/.well-known/oauth-authorization-server/acme",
    "/acme/.well-known/oauth-authorization-server",
]


@pytest.mark.parametrize(
    "path", DISCOVERY_PATHS, ids=["oidc_case", "rfc8414_case", "rfc8414_under_tenant_case"]
)
def test_metadata_names_the_tenants_issuer_and_endpoints(client, tenant, path):
    # when
    resp = client.get(path)
    # then
    assert resp.status_code == 200
    doc = resp.json()
    issuer = issuer_of("acme")
    assert doc["issuer"] == issuer == "http://127.0.0.1:8000/acme/"
    assert doc["token_endpoint"] == f"{issuer}oauth/token"
    assert doc["jwks_uri"] == f"{issuer}.well-known/jwks.json"
    assert doc["userinfo_endpoint"] == f"{issuer}userinfo"
    assert doc["authorization_endpoint"] == f"{issuer}authorize"
    assert {"RS256", "PS256", "ES256", "HS256"} <= set(doc["id_token_signing_alg_values_supported"])
    assert "none" not in doc["id_token_signing_alg_values_supported"]
    assert doc["response_types_supported"]
    assert doc["subject_types_supported"]


def test_metadata_lists_the_grants_the_token_endpoint_serves(client, tenant):
    # when
    doc = client.get("/acme/.well-known/openid-configuration").json()
    # then
    assert {"client_credentials", "password", "http://auth0.com/oauth/grant-type/password-realm"} <= set(
        doc["grant_types_supported"]
    )
    assert {"client_secret_post", "client_secret_basic"} <= set(doc["token_endpoint_auth_methods_supported"])


def test_each_tenant_has_its_own_issuer(client, tenant, other_tenant):
    # when
    acme = client.get("/acme/.well-known/openid-configuration").json()
    other = client.get("/other/.well-known/openid-configuration").json()
    # then
    assert acme["issuer"] == issuer_of("acme")
    assert other["issuer"] == issuer_of("other")
    assert other["jwks_uri"] == f"{issuer_of('other')}.well-known/jwks.json"


def test_issuer_follows_public_url(client, tenant, settings):
    # given
    settings.PUBLIC_URL = "https://auth.example.test"
    # when
    doc = client.get("/acme/.well-known/openid-configuration").json()
    # then
    assert doc["issuer"] == "https://auth.example.test/acme/"
    assert doc["token_endpoint"] == "https://auth.example.test/acme/oauth/token"


def test_discovery_is_open_to_any_origin(client, tenant):
    # when
    resp = client.get("/acme/.well-known/openid-configuration", HTTP_ORIGIN="https://spa.example.test")
    # then
    assert resp["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "path",
    [
        "/nosuch/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server/nosuch",
        "/nosuch/.well-known/oauth-authorization-server",
    ],
)
def test_unknown_tenant_is_404(client, db, path):
    # when
    resp = client.get(path)
    # then
    assert resp.status_code == 404
