"""What every Management API endpoint shares: pagination, errors, portal sessions, the OpenAPI document."""

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client as HttpClient

from apis.models import ResourceServer
from tenants.keys import load_private_key
from tenants.selectors import signing_key_current
from tenants.services import tenant_membership_add
from tests import factories
from tests.management.conftest import assert_error

CSRF_TOKEN = "a" * 32


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"per_page": 0}, "per_page"),
        ({"per_page": 101}, "per_page"),
        ({"per_page": "ten"}, "per_page"),
        ({"page": -1}, "page"),
        ({"page": "first"}, "page"),
        ({"page": 10**30}, "page"),
        ({"include_totals": "maybe"}, "include_totals"),
    ],
)
def test_invalid_pagination_is_400(mgmt, query, field):
    # when
    response = mgmt("GET", "clients", query=query)

    # then
    error = assert_error(response, 400, "invalid_query_string")
    assert error["message"].startswith("Query validation error: ")
    assert f"property {field}" in error["message"]


def test_default_page_is_50_items(mgmt, tenant):
    # given: the management client, the caller's client, and 55 more
    for n in range(55):
        factories.make_client(tenant, name=f"App {n:02}")

    # when
    first = mgmt("GET", "clients").json()
    totals = mgmt("GET", "clients", query={"page": 1, "include_totals": "true"}).json()

    # then
    assert len(first) == 50
    assert (totals["start"], totals["limit"], totals["total"], len(totals["clients"])) == (50, 50, 57, 7)


def test_unknown_tenant_is_404(client, api_token):
    response = client.get("/nobody/api/v2/clients", HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert_error(response, 404, "inexistent_tenant", "Tenant not found.")


def test_method_not_allowed_is_405_in_auth0_shape(mgmt):
    assert_error(mgmt("PUT", "resource-servers", {}), 405, "method_not_allowed")


def _forged(tenant, *, alg="RS256", key=None, **claims) -> str:
    """A token signed with the tenant's current key (or `key`), with the given claims over valid ones."""
    current = signing_key_current(tenant=tenant, alg="RS256")
    now = int(time.time())
    payload = {
        "iss": tenant.issuer,
        "sub": "forged@clients",
        "aud": tenant.management_audience,
        "iat": now,
        "exp": now + 60,
        "scope": "read:clients",
        **claims,
    }
    signing_key = key if key is not None else load_private_key(current.kid, current.private_key_encrypted)
    return jwt.encode(payload, signing_key, algorithm=alg, headers={"kid": current.kid})


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"exp": int(time.time()) - 1}, id="expired"),
        pytest.param({"iss": "https://evil.test/acme/"}, id="foreign-issuer"),
        pytest.param({"aud": "https://api.acme.test/"}, id="another-audience"),
        pytest.param(
            {"aud": ["https://api.acme.test/", "http://127.0.0.1:8000/acme/userinfo"]}, id="audience-list"
        ),
    ],
)
def test_tokens_that_do_not_verify_are_401(client, tenant, claims):
    # given
    token = _forged(tenant, **claims)

    # when
    response = client.get("/acme/api/v2/clients", HTTP_AUTHORIZATION=f"Bearer {token}")

    # then
    assert assert_error(response, 401, "invalid_token")["message"].startswith("Invalid token. ")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_well_formed_forged_token_is_the_control(client, tenant):
    # the helper itself makes tokens that verify, so the 401s above are about the claim changed
    app, _ = factories.make_client(tenant, name="control")
    token = _forged(tenant, sub=f"{app.client_id}@clients", azp=app.client_id)
    response = client.get("/acme/api/v2/clients", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_unsigned_and_symmetric_tokens_are_401(client, tenant):
    # given: alg none, and HS256 keyed with the public certificate (the classic confusion attack)
    current = signing_key_current(tenant=tenant, alg="RS256")
    unsigned = _forged(tenant, alg="none", key="")
    signing_input = _forged(tenant).rsplit(".", 1)[0]
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "kid": current.kid}).encode()).rstrip(b"=")
    signing_input = header.decode() + "." + signing_input.split(".")[1]
    mac = hmac.new(current.cert_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    confused = signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    # then
    for token in (unsigned, confused):
        response = client.get("/acme/api/v2/clients", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert assert_error(response, 401, "invalid_token")["message"].startswith("Invalid token. ")


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("staff", password="pw", is_staff=True)


def _session_client(user) -> HttpClient:
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(user)
    http.cookies["csrftoken"] = CSRF_TOKEN
    return http


def test_tenant_staff_session_may_use_the_api_with_csrf(tenant, staff):
    # given
    tenant_membership_add(tenant=tenant, user=staff)
    http = _session_client(staff)
    body = json.dumps({"identifier": "https://portal.test/"})

    # when
    read = http.get("/acme/api/v2/resource-servers")
    without_csrf = http.post("/acme/api/v2/resource-servers", body, content_type="application/json")
    with_csrf = http.post(
        "/acme/api/v2/resource-servers", body, content_type="application/json", HTTP_X_CSRFTOKEN=CSRF_TOKEN
    )

    # then
    assert read.status_code == 200
    assert_error(without_csrf, 403, "permission_denied")
    assert with_csrf.status_code == 201
    assert ResourceServer.objects.for_tenant(tenant).filter(identifier="https://portal.test/").count() == 1


def test_superuser_session_may_use_any_tenant(tenant, other_tenant):
    # given
    admin = get_user_model().objects.create_superuser("root", password="pw")

    # then
    assert _session_client(admin).get("/other/api/v2/tenants/settings").status_code == 200


@pytest.mark.parametrize("who", ["staff-of-another-tenant", "not-staff"])
def test_other_sessions_are_not_authenticated(tenant, other_tenant, staff, who):
    # given
    if who == "staff-of-another-tenant":
        tenant_membership_add(tenant=other_tenant, user=staff)
    else:
        staff.is_staff = False
        staff.save()
        tenant_membership_add(tenant=tenant, user=staff)

    # when
    response = _session_client(staff).get("/acme/api/v2/resource-servers")

    # then
    assert_error(response, 401, "invalid_token", "Missing authentication.")


def test_openapi_schema_and_docs_render(client):
    # when
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/api/docs/")
    redoc = client.get("/api/redoc/")

    # then
    assert schema.status_code == 200
    document = json.loads(schema.content)
    assert document["openapi"].startswith("3.")
    assert "/{tenant_slug}/api/v2/resource-servers/{id}" in document["paths"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
    assert redoc.status_code == 200
    assert b"redoc" in redoc.content.lower()


def test_openapi_schema_validates_without_warnings(tmp_path):
    # spectacular exits non-zero on any warning with --fail-on-warn
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        pytest.param(
            {"aud": "https://api.acme.test/"},
            'Invalid token. The token\'s audience is "https://api.acme.test/", expected http://127.0.0.1:8000/acme/api/v2/.',
            id="audience",
        ),
        pytest.param(
            {"iss": "https://evil.test/acme/"},
            'Invalid token. The token\'s issuer is "https://evil.test/acme/", expected http://127.0.0.1:8000/acme/.',
            id="issuer",
        ),
        pytest.param({"exp": int(time.time()) - 1}, "Invalid token. The token has expired.", id="expired"),
    ],
)
def test_a_401_says_why(client, tenant, claims, reason):
    response = client.get("/acme/api/v2/clients", HTTP_AUTHORIZATION=f"Bearer {_forged(tenant, **claims)}")
    assert_error(response, 401, "invalid_token", reason)
