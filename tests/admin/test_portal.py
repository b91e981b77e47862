"""The portal as a new admin uses it (SPEC section 6): branding, lists edited as lists with errors that
name the bad entry, an API's page (machine-to-machine access, test token, permissions, HS256 secret),
choosers of one tenant, memberships."""

import io
import re

import jwt
import pytest
from django.core.management import CommandError, call_command

from apis.models import ResourceServer
from clients.models import Client, ClientGrant
from tenants.models import TenantMembership
from tests.admin.changelist import messages_of
from tests.factories import make_api, make_client, make_grant

API_ADD = "/admin/apis/resourceserver/add/"


def _api_body(tenant, rows, **overrides) -> dict:
    return {
        "tenant": str(tenant.pk),
        "identifier": "https://orders.test/",
        "name": "Orders",
        "signing_alg": "RS256",
        "scopes-value": [value for value, _ in rows],
        "scopes-description": [description for _, description in rows],
        "token_lifetime": "86400",
        "token_lifetime_for_web": "7200",
        "token_dialect": "access_token",
        **overrides,
    }


def _api_page(client, api) -> str:
    return client.get(f"/admin/apis/resourceserver/{api.pk}/change/").content.decode()


# Branding and labels


def test_the_portal_is_branded_authport_with_one_users_entry(superuser_client, tenant):
    # when
    page = superuser_client.get("/admin/").content.decode()
    # then
    assert "<title>Tenants, APIs and applications | Authport</title>" in page
    assert "Django administration" not in page
    assert re.findall(r'<a href="/admin/auth/user/">([^<]+)</a>', page) == ["Portal staff"]
    assert re.findall(r'<a href="/admin/accounts/tenantuser/">([^<]+)</a>', page) == ["Users"]


def test_algorithms_are_labelled_as_in_jose(superuser_client):
    # when
    page = superuser_client.get(API_ADD).content.decode()
    # then
    assert [label for _, label in ResourceServer.SigningAlg.choices] == ["RS256", "PS256", "ES256", "HS256"]
    assert '<option value="RS256" selected>RS256</option>' in page
    assert "Rs256" not in page


# Lists edited as lists


def test_an_api_is_registered_with_scopes_typed_as_rows(superuser_client, tenant):
    # given
    rows = [("read:orders", "Read orders"), ("write:orders", "Write orders"), ("delete:orders", ""), ("", "")]
    # when
    resp = superuser_client.post(API_ADD, _api_body(tenant, rows))
    # then
    assert resp.status_code == 302
    api = ResourceServer.objects.get(tenant=tenant, identifier="https://orders.test/")
    assert api.scopes == [
        {"value": "read:orders", "description": "Read orders"},
        {"value": "write:orders", "description": "Write orders"},
        {"value": "delete:orders", "description": ""},
    ]


def test_each_bad_scope_row_gets_an_error_naming_it(superuser_client, tenant):
    # given: a space in one value, a description without a value, another bad value
    rows = [("read orders", "Read"), ("", "Orphan description"), ("ok:scope", "Fine"), ("x" * 281, "")]
    # when
    resp = superuser_client.post(API_ADD, _api_body(tenant, rows))
    # then
    assert resp.status_code == 200
    assert resp.context["adminform"].form.errors["scopes"] == [
        'Row 2: the scope with description "Orphan description" has no value.'
    ]
    # when: the orphan fixed, the model's rule names each bad value
    rows[1] = ("write:orders", "Write")
    resp = superuser_client.post(API_ADD, _api_body(tenant, rows))
    assert resp.context["adminform"].form.errors["scopes"] == [
        'Scope "read orders" must be 1 to 280 characters without spaces.',
        f'Scope "{"x" * 281}" must be 1 to 280 characters without spaces.',
    ]
    page = resp.content.decode()
    assert 'value="read orders"' in page  # what was typed is shown again, row by row
    assert not ResourceServer.objects.filter(identifier="https://orders.test/").exists()


def test_a_scope_typed_twice_is_named(superuser_client, tenant):
    # when
    resp = superuser_client.post(API_ADD, _api_body(tenant, [("read:a", ""), ("read:a", "again")]))
    # then
    assert resp.context["adminform"].form.errors["scopes"] == ['Scope "read:a" is listed twice.']


def test_an_api_name_is_checked_by_the_models_rule_in_the_admin_too(superuser_client, tenant):
    # when: the rule the Management API applies ("Can not contain '<' or '>'")
    resp = superuser_client.post(API_ADD, _api_body(tenant, [], name="<b>Orders</b>"))
    # then
    assert resp.context["adminform"].form.errors["name"] == ["Can not contain '<' or '>' characters."]


def _client_body(tenant, **overrides) -> dict:
    return {
        "tenant": str(tenant.pk),
        "name": "Web",
        "description": "",
        "app_type": "regular_web",
        "grant_types": ["authorization_code"],
        "callbacks": "",
        "allowed_origins": "",
        "web_origins": "",
        "allowed_logout_urls": "",
        "token_endpoint_auth_method": "client_secret_post",
        "jwt_lifetime_in_seconds": "36000",
        "refresh_token_leeway": "0",
        **overrides,
    }


def test_urls_are_typed_one_a_line_or_comma_separated(superuser_client, tenant):
    # when
    resp = superuser_client.post(
        "/admin/clients/client/add/",
        _client_body(
            tenant,
            callbacks="https://web.test/cb, https://web.test/cb2\nhttp://localhost:3000/cb",
            web_origins="https://web.test",
            allowed_logout_urls="https://web.test/bye",
        ),
    )
    # then
    assert resp.status_code == 302
    client = Client.objects.get(tenant=tenant, name="Web")
    assert client.callbacks == ["https://web.test/cb", "https://web.test/cb2", "http://localhost:3000/cb"]
    assert (client.web_origins, client.allowed_logout_urls) == (
        ["https://web.test"],
        ["https://web.test/bye"],
    )


def test_each_bad_url_gets_an_error_naming_it(superuser_client, tenant):
    # when
    resp = superuser_client.post(
        "/admin/clients/client/add/",
        _client_body(
            tenant,
            callbacks="https://web.test/cb, not a url, ftp://web.test/x",
            web_origins="https://web.test/with/path",
        ),
    )
    # then
    assert resp.status_code == 200
    errors = resp.context["adminform"].form.errors
    assert errors["callbacks"] == [
        'callbacks: "not a url" is not a valid http(s) URL.',
        'callbacks: "ftp://web.test/x" is not a valid http(s) URL.',
    ]
    assert errors["web_origins"] == [
        'origins: "https://web.test/with/path" must be an origin (scheme, host and port) without a path.'
    ]
    assert not Client.objects.filter(name="Web").exists()


# An API's page


@pytest.fixture
def worker(tenant):
    client, _ = make_client(tenant, name="Worker")
    return client


def test_the_api_page_lists_the_tenants_m2m_applications_only(
    staff_client, tenant, other_tenant, rs256_api, worker
):
    # given
    make_client(other_tenant, name="Foreign worker")
    make_client(tenant, name="Browser app", app_type="spa", grant_types=["authorization_code"])
    # when
    page = _api_page(staff_client, rs256_api)
    # then
    rows = re.findall(r'<tr id="m2m-([^"]+)">', page)
    assert rows == [
        c.client_id for c in Client.objects.filter(tenant=tenant, app_type="non_interactive").order_by("name")
    ]
    assert "Foreign worker" not in page
    assert "Browser app" not in page


def test_authorizing_an_application_for_two_scopes_saves_one_grant(staff_client, tenant, rs256_api, worker):
    # when
    resp = staff_client.post(
        f"/admin/apis/resourceserver/{rs256_api.pk}/m2m/",
        {
            "listed": [str(worker.pk)],
            "authorize": [str(worker.pk)],
            f"scope-{worker.pk}": ["read:items", "write:items"],
        },
    )
    # then
    assert resp.status_code == 302
    assert resp["Location"].endswith(f"/admin/apis/resourceserver/{rs256_api.pk}/change/#m2m")
    grant = ClientGrant.objects.get(client=worker, resource_server=rs256_api)
    assert grant.scope == ["read:items", "write:items"]
    assert messages_of(resp) == [
        f"Saved: 1 application authorized for {rs256_api.name} (1 added, 0 changed, 0 removed)."
    ]
    page = _api_page(staff_client, rs256_api)
    assert f'name="authorize" value="{worker.pk}" id="authorize-{worker.pk}" checked' in page


def test_unticking_authorize_removes_the_grant(staff_client, rs256_api, worker):
    # given
    make_grant(worker, rs256_api)
    # when
    staff_client.post(f"/admin/apis/resourceserver/{rs256_api.pk}/m2m/", {"listed": [str(worker.pk)]})
    # then
    assert not ClientGrant.objects.filter(client=worker).exists()


def test_an_undefined_scope_saves_nothing(staff_client, tenant, rs256_api, worker):
    # given
    other, _ = make_client(tenant, name="Another worker")
    # when: one good authorization, one with a scope the API does not define
    resp = staff_client.post(
        f"/admin/apis/resourceserver/{rs256_api.pk}/m2m/",
        {
            "listed": [str(worker.pk), str(other.pk)],
            "authorize": [str(worker.pk), str(other.pk)],
            f"scope-{worker.pk}": ["read:items"],
            f"scope-{other.pk}": ["admin:everything"],
        },
    )
    # then: all or nothing
    assert messages_of(resp) == [
        f"Nothing was saved: Scopes not defined on API {rs256_api.identifier}: admin:everything."
    ]
    assert not ClientGrant.objects.filter(resource_server=rs256_api).exists()


def test_another_tenants_application_cannot_be_authorized(staff_client, other_tenant, rs256_api):
    # given
    foreign, _ = make_client(other_tenant, name="Foreign worker")
    # when
    staff_client.post(
        f"/admin/apis/resourceserver/{rs256_api.pk}/m2m/",
        {"listed": [str(foreign.pk)], "authorize": [str(foreign.pk)], f"scope-{foreign.pk}": ["read:items"]},
    )
    # then
    assert not ClientGrant.objects.filter(client=foreign).exists()


def test_the_test_panel_has_a_ready_curl_and_issues_an_explained_test_token(
    staff_client, tenant, rs256_api, worker
):
    # given
    make_grant(worker, rs256_api, scope=["read:items"])
    page = _api_page(staff_client, rs256_api)
    assert f"--url &#x27;{tenant.issuer}oauth/token&#x27;" in page
    assert f"&quot;client_id&quot;: &quot;{worker.client_id}&quot;" in page
    # when
    resp = staff_client.post(
        f"/admin/apis/resourceserver/{rs256_api.pk}/test-token/", {"client": str(worker.pk)}
    )
    # then
    assert resp.status_code == 200
    token = re.search(r'id="test-token-value"[^>]*>([^<]+)<', resp.content.decode())[1]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["aud"], claims["scope"], claims["sub"]) == (
        rs256_api.identifier,
        "read:items",
        f"{worker.client_id}@clients",
    )
    answer = resp.context["answer"]
    assert answer["summary"].startswith("A JWT of this tenant signed with RS256")
    assert answer["summary"].endswith("it verifies now.")


def test_a_test_token_for_an_unauthorized_application_is_refused_with_the_token_endpoints_words(
    staff_client, rs256_api, worker
):
    # when
    resp = staff_client.post(
        f"/admin/apis/resourceserver/{rs256_api.pk}/test-token/", {"client": str(worker.pk)}
    )
    # then
    assert resp.status_code == 302
    [message] = messages_of(resp)
    assert message.startswith("No token for Worker: 403 access_denied: Client is not authorized to access")


def test_the_permissions_table_lists_scopes_and_who_holds_them(staff_client, rs256_api, worker):
    # given
    make_grant(worker, rs256_api, scope=["write:items"])
    # when
    page = _api_page(staff_client, rs256_api)
    # then
    table = page.split('id="permissions"')[1].split("</table>")[0]
    assert re.findall(r"<tr><td><code>([^<]+)</code></td><td>([^<]+)</td><td>([^<]+)</td></tr>", table) == [
        ("read:items", "Read items", "—"),
        ("write:items", "Write items", "Worker"),
    ]


def test_the_hs256_secret_is_shown_only_after_a_confirmation(staff_client, hs256_api):
    # given
    url = f"/admin/apis/resourceserver/{hs256_api.pk}/reveal-secret/"
    # when
    asked = staff_client.get(url)
    shown = staff_client.post(url, {"post": "yes"})
    # then
    assert hs256_api.signing_secret not in asked.content.decode()
    assert "Showing it is recorded in the tenant's logs" in asked.content.decode()
    assert f'id="signing-secret-value">{hs256_api.signing_secret}<' in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]


def test_another_tenants_staff_cannot_reach_an_apis_pages(
    client, django_user_model, other_tenant, hs256_api, worker
):
    # given: a staff user of the other tenant only
    from tenants.services import tenant_membership_add

    bob = django_user_model.objects.create_user("bob", "bob@example.test", "pw", is_staff=True)
    tenant_membership_add(tenant=other_tenant, user=bob)
    client.force_login(bob)
    base = f"/admin/apis/resourceserver/{hs256_api.pk}"
    # when
    responses = [
        client.post(f"{base}/reveal-secret/", {"post": "yes"}),
        client.post(f"{base}/m2m/", {"listed": [str(worker.pk)], "authorize": [str(worker.pk)]}),
        client.post(f"{base}/test-token/", {"client": str(worker.pk)}),
        client.get(f"{base}/change/"),
    ]
    # then: "doesn't exist" redirects to the admin index, and nothing leaked or changed
    assert [r.status_code for r in responses] == [302, 302, 302, 302]
    assert all(r["Location"] == "/admin/" for r in responses)
    assert all(hs256_api.signing_secret not in r.content.decode() for r in responses)
    assert not ClientGrant.objects.filter(client=worker).exists()


def test_rotating_the_secret_from_the_apis_page_asks_the_grace(staff_client, hs256_api):
    # given
    url = f"/admin/apis/resourceserver/{hs256_api.pk}/rotate-secret/"
    old = hs256_api.signing_secret
    # when
    page = staff_client.get(url)
    # then
    assert page.status_code == 200
    assert 'name="grace_seconds" value="3600"' in page.content.decode()
    # when
    body = {"post": "yes", "grace_seconds": "120", "action": "rotate_signing_secret"}
    body.update(
        re.findall(r'<input type="hidden" name="(secret_state_\d+)" value="([^"]+)"', page.content.decode())
    )
    resp = staff_client.post(url, body)
    # then
    assert resp.status_code == 302
    hs256_api.refresh_from_db()
    assert hs256_api.signing_secret != old
    assert hs256_api.previous_signing_secret == old


# Choosers of one tenant


def test_the_client_grant_form_of_a_tenant_lists_its_clients_and_apis_labelled(
    superuser_client, tenant, other_tenant
):
    # when
    form = (
        superuser_client.get(f"/admin/clients/clientgrant/add/?tenant={tenant.pk}").context["adminform"].form
    )
    # then
    assert {c.tenant for c in form.fields["client"].queryset} == {tenant}
    assert {a.tenant for a in form.fields["resource_server"].queryset} == {tenant}
    labels = [label for _, label in form.fields["resource_server"].choices][1:]
    assert labels == [f"Auth0 Management API ({tenant.management_audience}) · acme"]


def test_without_a_tenant_the_superusers_grant_choosers_are_autocompletes(
    superuser_client, tenant, other_tenant
):
    # when
    page = superuser_client.get("/admin/clients/clientgrant/add/").content.decode()
    # then: no dropdown of every tenant's rows
    assert 'data-field-name="client"' in page
    assert 'data-field-name="resource_server"' in page
    assert "Auth0 Management API" not in page


def test_the_default_audience_warns_about_hs256(superuser_client, tenant, hs256_api):
    # when
    page = superuser_client.get(f"/admin/tenants/tenant/{tenant.pk}/change/").content.decode()
    # then
    assert f"{hs256_api} [HS256: no openid]" in page
    assert "Auth0 Management API (" not in page.split('name="default_audience"')[1].split("</select>")[0]


# The tenant's home and memberships


def test_the_tenants_page_is_its_home(staff_client, tenant, rs256_api, worker):
    # when
    page = staff_client.get(f"/admin/tenants/tenant/{tenant.pk}/change/").content.decode()
    # then
    for expected in (
        f"/admin/apis/resourceserver/{rs256_api.pk}/change/",
        f"/admin/clients/client/{worker.pk}/change/",
        f"/admin/accounts/tenantuser/?tenant__id__exact={tenant.pk}",
        f"/admin/accounts/role/?tenant__id__exact={tenant.pk}",
        f"/admin/tenants/signingkey/?tenant__id__exact={tenant.pk}",
        f"/admin/tenants/tenant/{tenant.pk}/token-debugger/",
        'id="recent-log-events"',
    ):
        assert expected in page
    from tenants.models import SigningKey

    for key in SigningKey.objects.filter(tenant=tenant, state__in=["current", "next"]):
        assert f"<code>{key.kid}</code>" in page


def test_add_tenant_member_makes_a_staff_user_a_member(tenant, django_user_model):
    # given
    django_user_model.objects.create_user("carol", "carol@example.test", "pw", is_staff=True)
    out = io.StringIO()
    # when
    call_command("add_tenant_member", "acme", "carol", stdout=out)
    # then
    assert out.getvalue() == "carol administers acme.\n"
    assert TenantMembership.objects.filter(tenant=tenant, user__username="carol").count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [(("nope", "carol"), "unknown tenant: nope"), (("acme", "nobody"), "unknown staff user: nobody")],
    ids=["unknown_tenant_case", "unknown_user_case"],
)
def test_add_tenant_member_refuses_unknown_names(tenant, django_user_model, args, message):
    # given
    django_user_model.objects.create_user("carol", "carol@example.test", "pw", is_staff=True)
    # when / then
    with pytest.raises(CommandError, match=message):
        call_command("add_tenant_member", *args)
    assert not TenantMembership.objects.filter(user__username="carol").exists()


def test_a_staff_users_page_shows_their_tenants(superuser_client, staff_user, tenant):
    # when
    page = superuser_client.get(f"/admin/auth/user/{staff_user.pk}/change/").content.decode()
    # then
    assert "Tenants this staff user administers" in page
    assert 'name="memberships-0-tenant"' in page
    assert f'<option value="{tenant.pk}" selected>acme</option>' in page


def test_the_signing_key_list_shows_short_kids_with_the_full_one_on_hover(staff_client, tenant):
    # given
    from tenants.models import SigningKey

    key = SigningKey.objects.filter(tenant=tenant, state="current").first()
    # when
    page = staff_client.get("/admin/tenants/signingkey/").content.decode()
    # then
    assert f'<code title="{key.kid}">{key.kid[:10]}…</code>' in page


def test_ids_of_other_apis_are_not_offered(staff_client, other_tenant, rs256_api):
    # given
    foreign = make_api(other_tenant, identifier="https://foreign.test/")
    # when
    page = staff_client.get("/admin/apis/resourceserver/").content.decode()
    # then
    assert foreign.identifier not in page
    assert rs256_api.identifier in page


def test_autocomplete_choices_name_their_tenant_when_several_are_visible(
    superuser_client, tenant, other_tenant
):
    # given: both tenants have an API of the same name
    from tests import factories

    factories.make_api(tenant, identifier="https://orders.acme.test/", name="Orders")
    factories.make_api(other_tenant, identifier="https://orders.other.test/", name="Orders")
    url = (
        "/admin/autocomplete/?app_label=clients&model_name=clientgrant&field_name=resource_server&term=Orders"
    )

    # when
    as_superuser = [r["text"] for r in superuser_client.get(url).json()["results"]]

    # then: the superuser sees both, each labelled with its tenant
    assert sorted(as_superuser) == [
        "Orders (https://orders.acme.test/) · acme",
        "Orders (https://orders.other.test/) · other",
    ]
