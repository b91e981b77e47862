"""Tenant scoping of the admin (SPEC section 6): staff of "acme" never see, pick or edit "other"'s rows."""

import pytest

from accounts.services import permissions_add, role_create
from apis.models import ResourceServer
from clients.models import Client
from tenants.models import SigningKey, Tenant
from tests.admin.changelist import messages_of
from tests.factories import make_api

LIFETIMES = {"session_lifetime_in_minutes": "10080", "idle_session_lifetime_in_minutes": "4320"}

SCOPED_CHANGELISTS = [
    pytest.param("/admin/apis/resourceserver/", ResourceServer, id="apis"),
    pytest.param("/admin/clients/client/", Client, id="clients"),
    pytest.param("/admin/tenants/signingkey/", SigningKey, id="signing_keys"),
]


def test_superuser_sees_every_tenant(superuser_client, tenant, other_tenant):
    # when
    resp = superuser_client.get("/admin/tenants/tenant/")
    # then
    assert resp.status_code == 200
    assert set(resp.context["cl"].result_list) == {tenant, other_tenant}


@pytest.mark.parametrize(("url", "model"), SCOPED_CHANGELISTS)
def test_superuser_sees_every_tenants_rows(superuser_client, tenant, other_tenant, url, model):
    # when
    resp = superuser_client.get(url)
    # then
    assert resp.status_code == 200
    assert set(resp.context["cl"].result_list) == set(model.objects.all())
    assert {row.tenant for row in resp.context["cl"].result_list} == {tenant, other_tenant}


def test_staff_sees_only_their_tenants(staff_client, tenant, other_tenant):
    # when
    resp = staff_client.get("/admin/tenants/tenant/")
    # then
    assert resp.status_code == 200
    assert list(resp.context["cl"].result_list) == [tenant]


@pytest.mark.parametrize(("url", "model"), SCOPED_CHANGELISTS)
def test_staff_sees_only_their_tenants_rows(staff_client, tenant, other_tenant, rs256_api, url, model):
    # when
    resp = staff_client.get(url)
    # then
    assert resp.status_code == 200
    rows = set(resp.context["cl"].result_list)
    assert rows == set(model.objects.filter(tenant=tenant))
    assert rows  # acme's own rows are there: the scoping is not "nothing at all"
    # the tenant filter in the sidebar does not name the other tenant either
    assert f"tenant__id__exact={other_tenant.pk}".encode() not in resp.content


def _other_tenants_objects(other_tenant) -> dict:
    return {
        "tenant": ("tenants/tenant", other_tenant),
        "api": ("apis/resourceserver", ResourceServer.objects.get(tenant=other_tenant, is_system=True)),
        "client": ("clients/client", Client.objects.get(tenant=other_tenant)),
        "signing_key": ("tenants/signingkey", SigningKey.objects.filter(tenant=other_tenant).first()),
    }


@pytest.mark.parametrize("kind", ["tenant", "api", "client", "signing_key"])
def test_staff_guessing_another_tenants_id_finds_nothing(staff_client, other_tenant, kind):
    # given
    path, obj = _other_tenants_objects(other_tenant)[kind]
    # when
    resp = staff_client.get(f"/admin/{path}/{obj.pk}/change/")
    # then
    assert resp.status_code == 302
    assert resp.url == "/admin/"
    assert any("doesn’t exist" in m for m in messages_of(resp))


def test_staff_cannot_change_another_tenant_by_posting_to_its_url(staff_client, other_tenant):
    # when
    resp = staff_client.post(
        f"/admin/tenants/tenant/{other_tenant.pk}/change/",
        {
            "friendly_name": "Pwned",
            "session_lifetime_in_minutes": "1",
            "idle_session_lifetime_in_minutes": "1",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    # then
    assert resp.status_code == 302
    other_tenant.refresh_from_db()
    assert other_tenant.friendly_name == "Other"
    assert other_tenant.session_lifetime_in_minutes == 10080


def test_staff_cannot_change_or_delete_another_tenants_api(staff_client, other_tenant):
    # given
    api = ResourceServer.objects.get(tenant=other_tenant, is_system=True)
    # when
    changed = staff_client.post(f"/admin/apis/resourceserver/{api.pk}/change/", {"token_lifetime": "60"})
    deleted = staff_client.post(f"/admin/apis/resourceserver/{api.pk}/delete/", {"post": "yes"})
    # then
    assert (changed.status_code, deleted.status_code) == (302, 302)
    api.refresh_from_db()
    assert api.token_lifetime == 86400


def test_staff_cannot_pick_another_tenants_api_as_default_audience(staff_client, tenant, other_tenant):
    # given
    foreign_api = make_api(other_tenant)
    # when
    resp = staff_client.post(
        f"/admin/tenants/tenant/{tenant.pk}/change/",
        {"friendly_name": "Acme", "default_audience": str(foreign_api.pk), **LIFETIMES},
    )
    # then
    assert resp.status_code == 200
    assert "default_audience" in resp.context["adminform"].form.errors
    tenant.refresh_from_db()
    assert tenant.default_audience is None


def test_default_audience_choices_are_the_tenants_own_apis(superuser_client, tenant, other_tenant, rs256_api):
    # given
    make_api(other_tenant)
    # when
    resp = superuser_client.get(f"/admin/tenants/tenant/{tenant.pk}/change/")
    # then
    choices = resp.context["adminform"].form.fields["default_audience"].queryset
    assert set(choices) == {rs256_api}  # never the Management API, nor another tenant's API


def test_staff_cannot_create_an_api_in_another_tenant(staff_client, tenant, other_tenant):
    # given
    form = staff_client.get("/admin/apis/resourceserver/add/").context["adminform"].form
    # when
    resp = staff_client.post(
        "/admin/apis/resourceserver/add/", _api_body(other_tenant, "https://sneaky.test/")
    )
    # then
    assert list(form.fields["tenant"].queryset) == [tenant]
    assert resp.status_code == 200
    assert "tenant" in resp.context["adminform"].form.errors
    assert not ResourceServer.objects.filter(identifier="https://sneaky.test/").exists()


def test_staff_can_create_an_api_in_their_tenant(staff_client, tenant):
    # when
    resp = staff_client.post("/admin/apis/resourceserver/add/", _api_body(tenant, "https://mine.test/"))
    # then
    assert resp.status_code == 302
    assert ResourceServer.objects.get(identifier="https://mine.test/").tenant == tenant


def test_staff_cannot_add_or_delete_tenants(staff_client, tenant):
    # when
    add_get = staff_client.get("/admin/tenants/tenant/add/")
    add_post = staff_client.post("/admin/tenants/tenant/add/", {"slug": "newco", "friendly_name": "New"})
    delete_post = staff_client.post(f"/admin/tenants/tenant/{tenant.pk}/delete/", {"post": "yes"})
    # then
    assert (add_get.status_code, add_post.status_code, delete_post.status_code) == (403, 403, 403)
    assert list(Tenant.objects.values_list("slug", flat=True)) == ["acme"]


def test_staff_without_membership_sees_no_tenant_admin(client, django_user_model, tenant):
    # given
    client.force_login(django_user_model.objects.create_user("bob", "bob@example.test", "pw", is_staff=True))
    # when
    index = client.get("/admin/")
    changelist = client.get("/admin/apis/resourceserver/")
    # then
    assert index.status_code == 200
    assert index.context["app_list"] == []
    assert changelist.status_code == 403


def test_staff_sees_no_membership_inline(staff_client, tenant):
    # when
    resp = staff_client.get(f"/admin/tenants/tenant/{tenant.pk}/change/")
    # then
    assert resp.status_code == 200
    assert resp.context["inline_admin_formsets"] == []


def _api_body(tenant, identifier: str, **overrides) -> dict:
    return {
        "tenant": str(tenant.pk),
        "identifier": identifier,
        "name": "An API",
        "signing_alg": "RS256",
        "scopes": "[]",
        "token_lifetime": "86400",
        "token_lifetime_for_web": "7200",
        "skip_consent_for_verifiable_first_party_clients": "on",
        "token_dialect": "access_token",
        **overrides,
    }


PAGES = [
    # (admin path, can staff add?)
    ("tenants/tenant", False),
    ("tenants/signingkey", False),
    ("apis/resourceserver", True),
    ("clients/client", True),
    ("clients/clientgrant", True),
    ("accounts/tenantuser", True),
    ("accounts/role", True),
    ("accounts/permission", True),
]


@pytest.mark.parametrize(("path", "can_add"), PAGES)
def test_every_admin_page_renders_for_staff(staff_client, tenant, m2m_app, end_user, path, can_add):
    # given: one row of each kind in acme
    role = role_create(tenant=tenant, name="editor")
    api = ResourceServer.objects.get(tenant=tenant, identifier="https://api.acme.test/")
    permissions_add(resource_server=api, permission_names=["read:items"], role=role)
    # when
    changelist = staff_client.get(f"/admin/{path}/")
    add = staff_client.get(f"/admin/{path}/add/")
    row = changelist.context["cl"].result_list[0]
    change = staff_client.get(f"/admin/{path}/{row.pk}/change/")
    # then
    assert changelist.status_code == 200
    assert add.status_code == (200 if can_add else 403)
    assert change.status_code == 200
