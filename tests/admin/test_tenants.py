"""Tenants in the admin: provisioning, settings, the Default Audience and its HS256 warning (SPEC 1, 2.5, 6)."""

from apis.models import ResourceServer
from clients.models import Client
from tenants.models import SigningKey, Tenant, TenantMembership
from tests.admin.changelist import messages_of

HS256_WARNING = "requests with scope openid will be refused: an HS256 API holds one audience"


def _change_body(tenant, **overrides) -> dict:
    return {
        "friendly_name": tenant.friendly_name,
        "default_audience": "",
        "session_lifetime_in_minutes": "10080",
        "idle_session_lifetime_in_minutes": "4320",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        **overrides,
    }


def test_superuser_creating_a_tenant_provisions_it_and_shows_the_secret_once(superuser_client):
    # when
    resp = superuser_client.post("/admin/tenants/tenant/add/", {"slug": "newco", "friendly_name": "New Co"})
    # then
    assert resp.status_code == 302
    tenant = Tenant.objects.get(slug="newco")
    assert tenant.friendly_name == "New Co"
    assert sorted(SigningKey.objects.filter(tenant=tenant).values_list("alg", "state")) == [
        ("RS256", "current"),
        ("RS256", "next"),
    ]
    api = ResourceServer.objects.get(tenant=tenant)
    assert (api.identifier, api.is_system) == (tenant.management_audience, True)
    client = Client.objects.get(tenant=tenant)
    [message] = [m for m in messages_of(resp) if "shown once" in m]
    assert client.client_id in message
    assert client.secret_matches(message.rsplit(" ", 1)[1])


def test_a_reserved_slug_is_a_form_error_and_creates_nothing(superuser_client):
    # when
    resp = superuser_client.post("/admin/tenants/tenant/add/", {"slug": "admin", "friendly_name": "Nope"})
    # then
    assert resp.status_code == 200
    assert "slug" in resp.context["adminform"].form.errors
    assert not Tenant.objects.exists()
    assert not Client.objects.exists()


def test_slug_is_read_only_after_creation(superuser_client, tenant):
    # when
    resp = superuser_client.post(
        f"/admin/tenants/tenant/{tenant.pk}/change/", _change_body(tenant, slug="renamed")
    )
    # then
    assert resp.status_code == 302
    tenant.refresh_from_db()
    assert tenant.slug == "acme"


def test_superuser_sets_the_default_audience(superuser_client, tenant, rs256_api):
    # when
    resp = superuser_client.post(
        f"/admin/tenants/tenant/{tenant.pk}/change/", _change_body(tenant, default_audience=str(rs256_api.pk))
    )
    # then
    assert resp.status_code == 302
    tenant.refresh_from_db()
    assert tenant.default_audience == rs256_api
    assert not any(HS256_WARNING in m for m in messages_of(resp))
    assert (
        HS256_WARNING
        not in superuser_client.get(f"/admin/tenants/tenant/{tenant.pk}/change/").content.decode()
    )


def test_an_hs256_default_audience_is_saved_with_a_visible_warning(superuser_client, tenant, hs256_api):
    # when
    resp = superuser_client.post(
        f"/admin/tenants/tenant/{tenant.pk}/change/", _change_body(tenant, default_audience=str(hs256_api.pk))
    )
    page = superuser_client.get(f"/admin/tenants/tenant/{tenant.pk}/change/")
    # then
    assert resp.status_code == 302
    tenant.refresh_from_db()
    assert tenant.default_audience == hs256_api
    assert [m for m in messages_of(resp) if HS256_WARNING in m and hs256_api.identifier in m]
    assert HS256_WARNING in page.content.decode()
    assert "[HS256: no openid]" in page.content.decode()  # the choice itself is labelled


def test_superuser_adds_a_member(superuser_client, tenant, django_user_model):
    # given
    bob = django_user_model.objects.create_user("bob", "bob@example.test", "pw", is_staff=True)
    # when
    resp = superuser_client.post(
        f"/admin/tenants/tenant/{tenant.pk}/change/",
        _change_body(tenant, **{"memberships-TOTAL_FORMS": "1", "memberships-0-user": str(bob.pk)}),
    )
    # then
    assert resp.status_code == 302
    assert list(TenantMembership.objects.values_list("tenant__slug", "user__username")) == [("acme", "bob")]


def test_staff_changes_their_tenants_settings(staff_client, tenant):
    # when
    resp = staff_client.post(
        f"/admin/tenants/tenant/{tenant.pk}/change/",
        {
            "friendly_name": "Acme Corp",
            "default_audience": "",
            "session_lifetime_in_minutes": "1440",
            "idle_session_lifetime_in_minutes": "90",
        },
    )
    # then
    assert resp.status_code == 302
    tenant.refresh_from_db()
    assert (
        tenant.friendly_name,
        tenant.session_lifetime_in_minutes,
        tenant.idle_session_lifetime_in_minutes,
    ) == ("Acme Corp", 1440, 90)
