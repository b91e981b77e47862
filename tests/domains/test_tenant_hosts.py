"""A tenant at the root of its own host, `{slug}.{TENANT_DOMAIN}`, with that host's issuer; the
path-based URLs of PUBLIC_URL's host keep working as before (SPEC section 1)."""

import jwt
import pytest

from apis.models import ResourceServer
from tenants.request_host import request_host
from tests import factories
from tests.domains.conftest import ACME_HOST, ACME_ISSUER, ACME_PATH_ISSUER, PUBLIC_HOST, call, on, token_via


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_discovery_at_the_root_of_the_tenant_host_names_that_host(tenant):
    # when
    response = on(ACME_HOST).get("/.well-known/openid-configuration")

    # then
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == ACME_ISSUER
    assert document["jwks_uri"] == f"{ACME_ISSUER}.well-known/jwks.json"
    assert document["token_endpoint"] == f"{ACME_ISSUER}oauth/token"
    assert document["authorization_endpoint"] == f"{ACME_ISSUER}authorize"
    assert document["userinfo_endpoint"] == f"{ACME_ISSUER}userinfo"
    assert document["end_session_endpoint"] == f"{ACME_ISSUER}v2/logout"


def test_jwks_at_the_root_of_the_tenant_host_lists_the_tenant_keys(tenant):
    # when
    at_host = on(ACME_HOST).get("/.well-known/jwks.json")
    by_path = on(PUBLIC_HOST).get("/acme/.well-known/jwks.json")

    # then
    assert at_host.status_code == 200
    assert at_host.json() == by_path.json()
    assert at_host.json()["keys"]


def test_path_based_urls_keep_their_own_issuer(tenant):
    # when
    document = on(PUBLIC_HOST).get("/acme/.well-known/openid-configuration").json()

    # then
    assert document["issuer"] == ACME_PATH_ISSUER
    assert document["jwks_uri"] == f"{ACME_PATH_ISSUER}.well-known/jwks.json"


def test_rfc8414_metadata_at_the_root_of_the_tenant_host(tenant):
    response = on(ACME_HOST).get("/.well-known/oauth-authorization-server")

    assert response.status_code == 200
    assert response.json()["issuer"] == ACME_ISSUER


def test_token_endpoint_at_the_root_issues_with_the_host_issuer(tenant, m2m_app, rs256_api):
    # when
    response = on(ACME_HOST).post(
        "/oauth/token",
        {"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds},
    )

    # then
    assert response.status_code == 200, response.content
    claims = _claims(response.json()["access_token"])
    assert claims["iss"] == ACME_ISSUER
    assert claims["aud"] == rs256_api.identifier


def test_the_same_request_by_path_is_issued_by_the_path_issuer(tenant, m2m_app, rs256_api):
    response = on(PUBLIC_HOST).post(
        "/acme/oauth/token",
        {"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds},
    )

    assert response.status_code == 200
    assert _claims(response.json()["access_token"])["iss"] == ACME_PATH_ISSUER


def test_management_audience_is_the_canonical_issuer_api_v2(tenant):
    assert tenant.canonical_issuer == ACME_ISSUER
    assert tenant.management_audience == f"{ACME_ISSUER}api/v2/"
    system_api = ResourceServer.objects.get(tenant=tenant, is_system=True)
    assert system_api.identifier == f"{ACME_ISSUER}api/v2/"


@pytest.mark.parametrize(
    ("token_host", "token_path"), [(ACME_HOST, "/"), (PUBLIC_HOST, "/acme/")], ids=["tenant_host", "path"]
)
@pytest.mark.parametrize(
    ("api_host", "api_path"), [(ACME_HOST, "/"), (PUBLIC_HOST, "/acme/")], ids=["at_root", "by_path"]
)
def test_management_api_accepts_a_token_issued_through_either_host(
    tenant, token_host, token_path, api_host, api_path
):
    # given
    token = token_via(token_host, token_path, tenant, ["read:resource_servers"])["access_token"]

    # when
    response = call(api_host, "GET", f"{api_path}api/v2/resource-servers", token)

    # then
    assert response.status_code == 200, response.content
    assert [api["identifier"] for api in response.json()] == [f"{ACME_ISSUER}api/v2/"]
    assert _claims(token)["aud"] == f"{ACME_ISSUER}api/v2/"


def test_the_path_based_management_audience_still_names_the_system_api(tenant):
    # given: a client set up before TENANT_DOMAIN asks for the audience it always used
    answer = token_via(PUBLIC_HOST, "/acme/", tenant, ["read:clients"], audience=f"{ACME_PATH_ISSUER}api/v2/")

    # then: the token carries the canonical management audience, which the Management API accepts
    assert _claims(answer["access_token"])["aud"] == f"{ACME_ISSUER}api/v2/"
    assert call(ACME_HOST, "GET", "/api/v2/clients", answer["access_token"]).status_code == 200


def test_a_system_api_stored_before_tenant_domain_still_issues_the_canonical_audience(settings, db):
    # given: a tenant made while TENANT_DOMAIN was unset
    settings.TENANT_DOMAIN = ""
    old = factories.make_tenant("legacy")
    settings.TENANT_DOMAIN = "auth.example.test"

    # when
    answer = token_via("legacy.auth.example.test:8000", "/", old, ["read:clients"])

    # then
    assert _claims(answer["access_token"])["aud"] == "http://legacy.auth.example.test:8000/api/v2/"
    assert call(PUBLIC_HOST, "GET", "/legacy/api/v2/clients", answer["access_token"]).status_code == 200


def test_another_tenants_token_is_refused_at_the_tenant_host(tenant, other_tenant):
    # given
    token = token_via("other.auth.example.test:8000", "/", other_tenant, ["read:clients"])["access_token"]

    # when
    response = call(ACME_HOST, "GET", "/api/v2/clients", token)

    # then
    assert response.status_code == 401
    assert response.json()["errorCode"] == "invalid_token"


def test_a_token_of_another_tenant_host_is_refused_by_path_too(tenant, other_tenant):
    token = token_via("other.auth.example.test:8000", "/", other_tenant, ["read:clients"])["access_token"]

    response = call(PUBLIC_HOST, "GET", "/acme/api/v2/clients", token)

    assert response.status_code == 401


def test_userinfo_at_the_root_accepts_a_token_issued_by_path(tenant, password_app, end_user):
    # given
    token = (
        on(PUBLIC_HOST)
        .post(
            "/acme/oauth/token",
            {
                "grant_type": "password",
                "username": end_user.email,
                "password": factories.DEFAULT_PASSWORD,
                "scope": "openid",
                **password_app.creds,
            },
        )
        .json()["access_token"]
    )

    # when
    response = on(ACME_HOST).get("/userinfo", HTTP_AUTHORIZATION=f"Bearer {token}")

    # then
    assert response.status_code == 200, response.content
    assert response.json()["sub"] == end_user.user_id


def test_unknown_tenant_at_a_tenant_host_is_the_unknown_tenant_of_its_path(tenant):
    response = on("nosuch.auth.example.test:8000").get("/.well-known/openid-configuration")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:8000",
        "auth.example.test:8000",  # the parent domain itself serves no tenant
        "admin.auth.example.test:8000",  # a reserved word is never a tenant
        "a.b.auth.example.test:8000",
        "-x.auth.example.test",
        # malformed: Django refuses them (DisallowedHost) before any lookup
        "acme.auth.example.test@evil.example",
        "evil.example/acme.auth.example.test",
        "acme.auth.example.test:8000:1",
    ],
)
def test_an_unknown_host_gets_400_in_json(tenant, host):
    # when
    response = on(host).get("/.well-known/openid-configuration")

    # then
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["error_description"].startswith("Unknown host: ")


def test_an_explicit_allowed_hosts_refuses_in_json_too(tenant, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", ".auth.example.test"]

    refused = on("evil.example").get("/healthz")
    served = on(ACME_HOST).get("/.well-known/jwks.json")

    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_request"
    assert served.status_code == 200


def test_probes_answer_on_a_tenant_host(tenant):
    assert on(ACME_HOST).get("/healthz").status_code == 200


def test_the_admin_is_not_served_on_a_tenant_host(tenant):
    assert on(ACME_HOST).get("/admin/login/").status_code == 404


def test_the_request_host_is_forgotten_after_the_response(tenant):
    on(ACME_HOST).get("/.well-known/jwks.json")

    assert request_host() is None
    assert tenant.issuer == ACME_ISSUER  # outside a request: the canonical issuer


def test_a_tenant_host_audience_cannot_be_registered_as_an_api(tenant):
    # given
    token = token_via(ACME_HOST, "/", tenant, ["create:resource_servers"])["access_token"]

    # when
    response = call(
        ACME_HOST,
        "POST",
        "/api/v2/resource-servers",
        token,
        {"identifier": "http://other.auth.example.test:8000/api/v2/", "name": "Takeover"},
    )

    # then
    assert response.status_code == 400
    assert "reserved" in response.json()["message"]
    assert not ResourceServer.objects.filter(identifier__contains="other.auth.example.test").exists()
