"""Custom domains (SPEC section 1): Auth0's `custom-domains` API, claimed by a tenant, made live by
the operator only, then serving the tenant at its root with its own issuer."""

import io

import jwt
import pytest
from django.core.management import CommandError, call_command

from logs.models import LogEvent
from tenants.models import CustomDomain
from tests.domains.conftest import ACME_HOST, ACME_ISSUER, PUBLIC_HOST, call, on, token_via

SCOPES = ["read:custom_domains", "create:custom_domains", "delete:custom_domains"]
LOGIN_HOST = "login.acme.test:8000"
LOGIN_ISSUER = "http://login.acme.test:8000/"


@pytest.fixture
def acme_token(tenant) -> str:
    return token_via(ACME_HOST, "/", tenant, SCOPES)["access_token"]


@pytest.fixture
def other_token(other_tenant) -> str:
    return token_via("other.auth.example.test:8000", "/", other_tenant, SCOPES)["access_token"]


def _claim(token: str, domain: str = "login.acme.test"):
    return call(
        ACME_HOST, "POST", "/api/v2/custom-domains", token, {"domain": domain, "type": "self_managed_certs"}
    )


def _verify(domain: str) -> str:
    out = io.StringIO()
    call_command("verify_custom_domain", domain, stdout=out)
    return out.getvalue()


def test_claiming_a_domain_answers_auth0s_shape_pending_verification(acme_token, tenant):
    # when
    response = _claim(acme_token)

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["custom_domain_id"].startswith("cd_")
    assert body == {
        "custom_domain_id": body["custom_domain_id"],
        "domain": "login.acme.test",
        "primary": False,
        "status": "pending_verification",
        "type": "self_managed_certs",
        "origin_domain_name": "acme.auth.example.test",
        "verification": {
            "methods": [{"name": "cname", "record": "acme.auth.example.test"}],
            "status": "pending",
        },
    }
    assert CustomDomain.objects.get().tenant == tenant
    event = LogEvent.objects.get(tenant=tenant, type="sapi")
    assert event.details["request"]["path"] == "/api/v2/custom-domains"


def test_a_pending_domain_serves_nothing(acme_token):
    # given
    _claim(acme_token)

    # when
    response = on(LOGIN_HOST).get("/.well-known/openid-configuration")

    # then
    assert response.status_code == 400
    assert response.json()["error_description"].startswith("Unknown host: login.acme.test")


def test_the_tenants_verify_reports_the_status_and_never_makes_it_live(acme_token):
    # given
    domain_id = _claim(acme_token).json()["custom_domain_id"]

    # when
    response = call(ACME_HOST, "POST", f"/api/v2/custom-domains/{domain_id}/verify", acme_token)

    # then
    assert response.status_code == 200
    assert response.json()["status"] == "pending_verification"
    assert response.json()["verification"]["status"] == "pending"
    assert CustomDomain.objects.get().status == "pending_verification"
    assert on(LOGIN_HOST).get("/.well-known/jwks.json").status_code == 400


def test_after_the_operator_verifies_it_the_domain_serves_the_tenant_with_its_issuer(
    acme_token, tenant, m2m_app, rs256_api
):
    # given
    domain_id = _claim(acme_token).json()["custom_domain_id"]

    # when
    output = _verify("login.acme.test")

    # then
    assert output == f"login.acme.test is now ready: it serves tenant acme with issuer {LOGIN_ISSUER}\n"
    document = on(LOGIN_HOST).get("/.well-known/openid-configuration").json()
    assert document["issuer"] == LOGIN_ISSUER
    assert document["jwks_uri"] == f"{LOGIN_ISSUER}.well-known/jwks.json"
    issued = on(LOGIN_HOST).post(
        "/oauth/token",
        {"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds},
    )
    assert (
        jwt.decode(issued.json()["access_token"], options={"verify_signature": False})["iss"] == LOGIN_ISSUER
    )
    shown = call(LOGIN_HOST, "GET", f"/api/v2/custom-domains/{domain_id}", acme_token).json()
    assert shown["status"] == "ready"
    assert shown["verification"]["status"] == "verified"
    assert shown["verification"]["last_verified_at"].endswith("Z")


def test_management_api_accepts_a_token_issued_through_the_custom_domain(acme_token, tenant):
    # given
    _claim(acme_token)
    _verify("LOGIN.acme.test")
    token = token_via(LOGIN_HOST, "/", tenant, ["read:clients"])["access_token"]

    # when / then: issued by the custom domain, for the canonical management audience
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == LOGIN_ISSUER
    assert claims["aud"] == f"{ACME_ISSUER}api/v2/"
    assert call(ACME_HOST, "GET", "/api/v2/clients", token).status_code == 200
    assert call(PUBLIC_HOST, "GET", "/acme/api/v2/clients", token).status_code == 200
    assert call(LOGIN_HOST, "GET", "/api/v2/clients", token).status_code == 200


def test_verifying_twice_changes_nothing(acme_token):
    _claim(acme_token)
    _verify("login.acme.test")

    assert _verify("login.acme.test").startswith("login.acme.test was already ready")


def test_verifying_an_unclaimed_domain_fails(tenant):
    with pytest.raises(CommandError, match="No custom domain login.nobody.test is claimed"):
        _verify("login.nobody.test")


@pytest.mark.parametrize("spelling", ["login.acme.test", "LOGIN.Acme.Test", "login.acme.test."])
def test_a_domain_claimed_by_another_tenant_is_409(acme_token, other_token, spelling):
    # given
    _claim(acme_token)

    # when
    response = call(
        "other.auth.example.test:8000",
        "POST",
        "/api/v2/custom-domains",
        other_token,
        {"domain": spelling, "type": "self_managed_certs"},
    )

    # then
    assert response.status_code == 409
    assert response.json() == {
        "statusCode": 409,
        "error": "Conflict",
        "message": "The custom domain login.acme.test already exists.",
        "errorCode": "custom_domain_conflict",
    }
    assert CustomDomain.objects.count() == 1


def test_claiming_the_same_domain_twice_is_409(acme_token):
    _claim(acme_token)

    assert _claim(acme_token).status_code == 409


@pytest.mark.parametrize(
    "domain",
    [
        "https://login.acme.test",
        "login.acme.test:443",
        "login.acme.test/path",
        "localhost",
        "10.0.0.1",
        "acme",
        "x.auth.example.test",  # a tenant host is not a custom domain
        "auth.example.test",
        "127.0.0.1",
        "-bad-.example.test",
    ],
)
def test_a_bad_domain_is_400(acme_token, domain):
    response = _claim(acme_token, domain)

    assert response.status_code == 400, response.content
    assert response.json()["errorCode"] == "invalid_body"
    assert "on property domain" in response.json()["message"]
    assert not CustomDomain.objects.exists()


def test_auth0_managed_certificates_are_refused(acme_token):
    response = call(
        ACME_HOST,
        "POST",
        "/api/v2/custom-domains",
        acme_token,
        {"domain": "login.acme.test", "type": "auth0_managed_certs"},
    )

    assert response.status_code == 400
    assert "self_managed_certs" in response.json()["message"]


def test_a_tenant_never_reads_nor_deletes_another_tenants_domain(acme_token, other_token):
    # given
    domain_id = _claim(acme_token).json()["custom_domain_id"]
    other = "other.auth.example.test:8000"

    # when
    listed = call(other, "GET", "/api/v2/custom-domains", other_token)
    read = call(other, "GET", f"/api/v2/custom-domains/{domain_id}", other_token)
    verified = call(other, "POST", f"/api/v2/custom-domains/{domain_id}/verify", other_token)
    deleted = call(other, "DELETE", f"/api/v2/custom-domains/{domain_id}", other_token)
    by_path = call(PUBLIC_HOST, "DELETE", f"/other/api/v2/custom-domains/{domain_id}", other_token)

    # then
    assert listed.status_code == 200
    assert listed.json() == []
    for response in (read, verified, deleted, by_path):
        assert response.status_code == 404
        assert response.json()["errorCode"] == "inexistent_custom_domain"
    assert CustomDomain.objects.filter(public_id=domain_id).exists()


def test_a_token_of_another_tenant_cannot_use_this_tenants_api(acme_token, other_token):
    response = call(ACME_HOST, "GET", "/api/v2/custom-domains", other_token)

    assert response.status_code == 401


def test_deleting_a_domain_stops_serving_it(acme_token):
    # given
    domain_id = _claim(acme_token).json()["custom_domain_id"]
    _verify("login.acme.test")
    assert on(LOGIN_HOST).get("/.well-known/jwks.json").status_code == 200

    # when
    response = call(ACME_HOST, "DELETE", f"/api/v2/custom-domains/{domain_id}", acme_token)

    # then
    assert response.status_code == 204
    assert not CustomDomain.objects.exists()
    assert on(LOGIN_HOST).get("/.well-known/jwks.json").status_code == 400
    assert call(ACME_HOST, "GET", f"/api/v2/custom-domains/{domain_id}", acme_token).status_code == 404


def test_custom_domains_need_their_scopes(tenant):
    # given
    token = token_via(ACME_HOST, "/", tenant, ["read:clients"])["access_token"]

    # when
    listed = call(ACME_HOST, "GET", "/api/v2/custom-domains", token)
    created = _claim(token)

    # then
    assert listed.status_code == 403
    assert listed.json()["message"] == "Insufficient scope, expected any of: read:custom_domains"
    assert created.status_code == 403
    assert not CustomDomain.objects.exists()


def test_the_provisioned_management_client_holds_the_custom_domain_scopes(tenant):
    from apis.selectors import resource_server_find
    from clients.models import ClientGrant

    system_api = resource_server_find(tenant=tenant, identifier=tenant.management_audience)
    grant = ClientGrant.objects.get(resource_server=system_api)
    for scope in (
        "read:custom_domains",
        "create:custom_domains",
        "update:custom_domains",
        "delete:custom_domains",
    ):
        assert scope in system_api.scope_values
        assert scope in grant.scope


def test_a_custom_domain_audience_cannot_be_registered_as_an_api(acme_token, other_tenant):
    # given: acme claimed the domain (not even verified yet)
    _claim(acme_token)
    token = token_via("other.auth.example.test:8000", "/", other_tenant, ["create:resource_servers"])[
        "access_token"
    ]

    # when
    response = call(
        "other.auth.example.test:8000",
        "POST",
        "/api/v2/resource-servers",
        token,
        {"identifier": "http://login.acme.test:8000/userinfo", "name": "Takeover"},
    )

    # then
    assert response.status_code == 400
    assert "reserved" in response.json()["message"]
