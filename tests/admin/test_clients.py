"""Applications and client grants in the admin: a secret is shown once, stored hashed, rotatable."""

import re

from clients.models import Client, ClientGrant
from tests.admin.changelist import action_body, messages_of
from tests.factories import make_api, make_client


def _client_body(tenant, **overrides) -> dict:
    return {
        "tenant": str(tenant.pk),
        "name": "Billing",
        "description": "",
        "app_type": "regular_web",
        "grant_types": ["authorization_code", "refresh_token"],
        "callbacks": "https://billing.test/cb",
        "allowed_origins": "",
        "web_origins": "",
        "allowed_logout_urls": "",
        "token_endpoint_auth_method": "client_secret_post",
        "jwt_lifetime_in_seconds": "36000",
        "refresh_token_leeway": "0",
        "is_first_party": "on",
        **overrides,
    }


def _secret_from(page: str) -> str:
    [secret] = re.findall(r'id="client-secret-value">([^<]+)<', page)
    return secret


def test_adding_an_application_shows_its_secret_once(superuser_client, tenant):
    # when
    resp = superuser_client.post("/admin/clients/client/add/", _client_body(tenant))
    # then
    assert resp.status_code == 302
    client = Client.objects.get(tenant=tenant, name="Billing")
    assert client.grant_types == ["authorization_code", "refresh_token"]
    assert client.callbacks == ["https://billing.test/cb"]
    assert resp["Location"] == f"/admin/clients/client/{client.pk}/change/#credentials"
    assert [m for m in messages_of(resp) if "shown once" in m]
    first = superuser_client.get(f"/admin/clients/client/{client.pk}/change/").content.decode()
    again = superuser_client.get(f"/admin/clients/client/{client.pk}/change/").content.decode()
    secret = _secret_from(first)  # beside the client ID and the Domain, on the page the add redirected to
    assert client.secret_matches(secret)
    assert 'id="app-domain">http://127.0.0.1:8000/acme/<' in first
    assert client.client_id in again
    assert secret not in again
    assert client.client_secret_hash not in first + again


def test_an_spa_left_at_the_default_auth_method_is_public_and_gets_no_secret_message(
    superuser_client, tenant
):
    # when: the form posts the displayed default (client_secret_post), unchanged
    resp = superuser_client.post(
        "/admin/clients/client/add/", _client_body(tenant, app_type="spa", grant_types=["authorization_code"])
    )
    # then
    assert resp.status_code == 302
    client = Client.objects.get(tenant=tenant, name="Billing")
    assert client.token_endpoint_auth_method == "none"
    assert not [m for m in messages_of(resp) if "shown once" in m]


def test_a_public_client_with_client_credentials_is_a_form_error(superuser_client, tenant):
    # when
    resp = superuser_client.post(
        "/admin/clients/client/add/",
        _client_body(tenant, token_endpoint_auth_method="none", grant_types=["client_credentials"]),
    )
    # then
    assert resp.status_code == 200
    assert "grant_types" in resp.context["adminform"].form.errors
    assert not Client.objects.filter(name="Billing").exists()


def test_rotating_the_secret_asks_first_then_shows_the_new_one_once(staff_client, tenant):
    # given
    client, old_secret = make_client(tenant, name="Worker")
    url = f"/admin/clients/client/{client.pk}/rotate-secret/"
    # when: the confirmation page
    confirm = staff_client.get(url)
    # then: nothing changed yet
    assert confirm.status_code == 200
    assert "The current secret stops working at once" in confirm.content.decode()
    client.refresh_from_db()
    assert client.secret_matches(old_secret)
    # when: confirmed
    resp = staff_client.post(url, {"post": "yes"})
    # then
    assert resp.status_code == 302
    page = staff_client.get(f"/admin/clients/client/{client.pk}/change/").content.decode()
    new_secret = _secret_from(page)
    client.refresh_from_db()
    assert client.secret_matches(new_secret)
    assert not client.secret_matches(old_secret)
    assert f"client_secret=&quot;{new_secret}&quot;" in page  # the quick start carries the real values
    assert new_secret not in staff_client.get(f"/admin/clients/client/{client.pk}/change/").content.decode()


def test_staff_creates_a_client_grant_in_their_tenant(staff_client, tenant, rs256_api):
    # given
    client, _ = make_client(tenant, name="Worker")
    # when
    resp = staff_client.post(
        "/admin/clients/clientgrant/add/",
        {"client": str(client.pk), "resource_server": str(rs256_api.pk), "scope": "read:items"},
    )
    # then
    assert resp.status_code == 302
    grant = ClientGrant.objects.get(client=client, resource_server=rs256_api)
    assert (grant.tenant, grant.scope, grant.public_id[:4]) == (tenant, ["read:items"], "cgr_")


def test_staff_client_grant_choices_are_their_tenants(staff_client, tenant, other_tenant, rs256_api):
    # given
    make_api(other_tenant)
    # when
    form = staff_client.get("/admin/clients/clientgrant/add/").context["adminform"].form
    # then
    assert set(form.fields["client"].queryset) == set(Client.objects.filter(tenant=tenant))
    assert {api.tenant for api in form.fields["resource_server"].queryset} == {tenant}


def test_a_grant_across_tenants_is_a_form_error(superuser_client, tenant, other_tenant):
    # given
    client, _ = make_client(tenant, name="Worker")
    foreign_api = make_api(other_tenant)
    # when
    resp = superuser_client.post(
        "/admin/clients/clientgrant/add/",
        {"client": str(client.pk), "resource_server": str(foreign_api.pk), "scope": ""},
    )
    # then
    assert resp.status_code == 200
    assert resp.context["adminform"].form.non_field_errors() == [
        "A client grant joins a client and an API of the same tenant."
    ]
    assert not ClientGrant.objects.filter(client=client).exists()


def test_a_grant_scope_is_changed_through_the_change_form(superuser_client, m2m_app, rs256_api):
    # given
    grant = ClientGrant.objects.get(client=m2m_app.client, resource_server=rs256_api)
    # when
    resp = superuser_client.post(f"/admin/clients/clientgrant/{grant.pk}/change/", {"scope": ["write:items"]})
    # then
    assert resp.status_code == 302
    grant.refresh_from_db()
    assert grant.scope == ["write:items"]


def test_bulk_deleting_applications_goes_row_by_row(staff_client, tenant, other_tenant):
    # given
    mine, _ = make_client(tenant, name="Mine")
    theirs, _ = make_client(other_tenant, name="Theirs")
    # when: the other tenant's id is slipped into the selection
    resp = staff_client.post(
        "/admin/clients/client/", action_body("delete_selected", mine.pk, theirs.pk, post="yes")
    )
    # then
    assert resp.status_code == 302
    assert not Client.objects.filter(pk=mine.pk).exists()
    assert Client.objects.filter(pk=theirs.pk).exists()
