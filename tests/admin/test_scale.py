"""The portal stays fast at scale (SPEC section 6): every changelist, change, add and portal page runs a
bounded number of queries with 1,000 tenants of 20 APIs and 20 applications each.

The data is bulk-inserted, row values chosen within the models' rules (valid slugs, algorithms and
scopes, unique identifiers per tenant, one current and one next key per tenant). Only tenant "acme"
is provisioned through the services; the 999 others carry copies of its key material under their
own kids, which no page here verifies.
"""

import secrets

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Permission, Role, TenantUser
from apis.models import ResourceServer
from clients.models import Client, ClientGrant
from tenants.models import SigningKey, Tenant
from tenants.services import tenant_membership_add

TENANTS, APIS, APPS = 1000, 20, 20
MAX_QUERIES = 20  # per page, whatever the number of rows (the most today: 15, a tenant's home page)


def _scopes(n: int) -> list[dict]:
    return [
        {"value": f"read:thing{n}", "description": "Read"},
        {"value": f"write:thing{n}", "description": ""},
    ]


def _populate(acme: Tenant) -> None:
    now = timezone.now()
    Tenant.objects.bulk_create(
        [Tenant(slug=f"t{i:04d}", friendly_name=f"Tenant {i}") for i in range(1, TENANTS)], batch_size=500
    )
    tenants = list(Tenant.objects.exclude(pk=acme.pk))
    template = {
        k.state: k for k in SigningKey.objects.filter(tenant=acme, alg="RS256", state__in=["current", "next"])
    }
    keys = [
        SigningKey(
            tenant=t,
            kid=secrets.token_urlsafe(32),
            alg="RS256",
            state=state,
            private_key_encrypted=template[state].private_key_encrypted,
            public_jwk=template[state].public_jwk,
            cert_pem=template[state].cert_pem,
            current_since=now if state == "current" else None,
        )
        for t in tenants
        for state in ("current", "next")
    ]
    SigningKey.objects.bulk_create(keys, batch_size=1000)
    everyone = [acme, *tenants]
    ResourceServer.objects.bulk_create(
        [
            ResourceServer(
                tenant=t, identifier=f"https://api{n}.{t.slug}.test/", name=f"API {n}", scopes=_scopes(n)
            )
            for t in everyone
            for n in range(APIS)
        ],
        batch_size=1000,
    )
    Client.objects.bulk_create(
        [
            Client(
                tenant=t,
                name=f"App {n}",
                app_type="non_interactive" if n % 2 else "regular_web",
                grant_types=["client_credentials"] if n % 2 else ["authorization_code"],
                callbacks=[f"https://app{n}.{t.slug}.test/cb"],
            )
            for t in everyone
            for n in range(APPS)
        ],
        batch_size=1000,
    )
    api_by_tenant = {
        (api.tenant_id, api.identifier): api
        for api in ResourceServer.objects.filter(name="API 0").only("pk", "tenant_id", "identifier")
    }
    grants = []
    for client in (
        Client.objects.filter(app_type="non_interactive")
        .only("pk", "tenant_id", "tenant__slug")
        .select_related("tenant")
    ):
        api = api_by_tenant[(client.tenant_id, f"https://api0.{client.tenant.slug}.test/")]
        grants.append(
            ClientGrant(
                tenant_id=client.tenant_id,
                client=client,
                resource_server=api,
                scope=["read:thing0"],
                public_id="cgr_" + secrets.token_hex(8),
            )
        )
    ClientGrant.objects.bulk_create(grants, batch_size=1000)
    TenantUser.objects.bulk_create(
        [
            TenantUser(tenant=t, email=f"user{n}@{t.slug}.test", name=f"User {n}")
            for t in everyone
            for n in range(3)
        ],
        batch_size=1000,
    )
    Role.objects.bulk_create([Role(tenant=t, name="admin") for t in everyone], batch_size=1000)


@pytest.fixture
def at_scale(tenant, rs256_api, hs256_api, m2m_app, end_user):
    _populate(tenant)
    role = Role.objects.get(tenant=tenant, name="admin")
    Permission.objects.create(
        tenant=tenant, resource_server=rs256_api, permission_name="read:items", role=role
    )
    return tenant


def _pages(tenant, rs256_api, hs256_api, m2m_app, end_user) -> dict[str, str]:
    grant = ClientGrant.objects.filter(tenant=tenant).first()
    key = SigningKey.objects.filter(tenant=tenant).first()
    role = Role.objects.get(tenant=tenant, name="admin")
    changelists = [
        "tenants/tenant",
        "tenants/signingkey",
        "apis/resourceserver",
        "clients/client",
        "clients/clientgrant",
        "accounts/tenantuser",
        "accounts/role",
        "accounts/permission",
        "tokens/opaqueaccesstoken",
        "tokens/authorizationcode",
        "tokens/refreshtoken",
        "tokens/ssosession",
    ]
    pages = {"index": "/admin/"}
    pages |= {f"{path} list": f"/admin/{path}/" for path in changelists}
    pages |= {f"{path} search": f"/admin/{path}/?q=acme" for path in changelists}
    pages |= {f"{path} add": f"/admin/{path}/add/" for path in changelists[2:8]}
    pages |= {
        "tenant change": f"/admin/tenants/tenant/{tenant.pk}/change/",
        "token debugger": f"/admin/tenants/tenant/{tenant.pk}/token-debugger/",
        "key change": f"/admin/tenants/signingkey/{key.pk}/change/",
        "api change": f"/admin/apis/resourceserver/{rs256_api.pk}/change/",
        "hs256 api change": f"/admin/apis/resourceserver/{hs256_api.pk}/change/",
        "client change": f"/admin/clients/client/{m2m_app.client.pk}/change/",
        "grant change": f"/admin/clients/clientgrant/{grant.pk}/change/",
        "user change": f"/admin/accounts/tenantuser/{end_user.pk}/change/",
        "role change": f"/admin/accounts/role/{role.pk}/change/",
        "grant add of a tenant": f"/admin/clients/clientgrant/add/?tenant={tenant.pk}",
        "tenant autocomplete": "/admin/autocomplete/?app_label=apis&model_name=resourceserver&field_name=tenant&term=t0",
        "api autocomplete": "/admin/autocomplete/?app_label=clients&model_name=clientgrant&field_name=resource_server&term=API",
    }
    return pages


def _counts(http, pages: dict[str, str]) -> dict[str, tuple[int, int]]:
    counts = {}
    for name, url in pages.items():
        with CaptureQueriesContext(connection) as queries:
            resp = http.get(url)
        counts[name] = (resp.status_code, len(queries))
    return counts


@pytest.mark.parametrize("who", ["superuser", "staff"])
def test_every_admin_page_runs_a_bounded_number_of_queries_at_1000_tenants(
    client, django_user_model, at_scale, rs256_api, hs256_api, m2m_app, end_user, who
):
    # given
    assert (Tenant.objects.count(), ResourceServer.objects.count()) == (
        TENANTS,
        TENANTS * APIS + 3,
    )  # plus acme's Management API and two fixtures
    if who == "superuser":
        user = django_user_model.objects.create_superuser("root", "root@example.test", "pw")
    else:
        user = django_user_model.objects.create_user("alice", "alice@example.test", "pw", is_staff=True)
        tenant_membership_add(tenant=at_scale, user=user)
    client.force_login(user)
    pages = _pages(at_scale, rs256_api, hs256_api, m2m_app, end_user)
    # when
    counts = _counts(client, pages)
    # then
    assert {name: status for name, (status, _) in counts.items() if status != 200} == {}
    assert {name: n for name, (_, n) in counts.items() if n > MAX_QUERIES} == {}


def test_a_staff_user_sees_only_their_tenant_at_scale(client, django_user_model, at_scale):
    # given
    user = django_user_model.objects.create_user("alice", "alice@example.test", "pw", is_staff=True)
    tenant_membership_add(tenant=at_scale, user=user)
    client.force_login(user)
    # when
    apis = client.get("/admin/apis/resourceserver/")
    tenants = client.get("/admin/tenants/tenant/")
    # then
    assert apis.context["cl"].result_count == APIS + 3  # its 20, the Management API, the two fixtures' APIs
    assert tenants.context["cl"].result_count == 1
    assert "t0001" not in apis.content.decode()
