"""The admin Token debugger (SPEC sections 6 and 7): per tenant, scoped, and showing exactly what
tokens.explanation.explain answers, for the five cases of section 7 and for a presented token."""

import json

import pytest
from django.test import Client as DjangoClient
from django.utils.html import escape

from clients.models import Client
from tenants.services import tenant_membership_add
from tests import factories
from tests.admin.changelist import messages_of
from tests.conftest import App
from tokens.explanation.explain import explain_request, explain_token


def url_of(tenant) -> str:
    return f"/admin/tenants/tenant/{tenant.pk}/token-debugger/"


@pytest.fixture
def spa_app(tenant):
    """A single-page app: a public client with the browser grants, the one that renews silently."""
    client, secret = factories.make_client(
        tenant,
        name="SPA",
        app_type=Client.AppType.SPA,
        grant_types=[
            Client.GrantType.AUTHORIZATION_CODE,
            Client.GrantType.REFRESH_TOKEN,
            Client.GrantType.IMPLICIT,
        ],
        callbacks=["http://127.0.0.1:3000/callback"],
        web_origins=["http://127.0.0.1:3000"],
    )
    return App(client, secret)


def explain_in_admin(http, tenant, **fields):
    """POST the token request form; returns the response and its HTML."""
    body = {"mode": "request", "audience": "", "scope": "", **fields}
    resp = http.post(url_of(tenant), body)
    assert resp.status_code == 200
    return resp, resp.content.decode()


def assert_shows(resp, html: str, answer: dict, tone: str) -> None:
    """The page shows this very answer: summary (in its colour), fix, every outcome field and step."""
    assert resp.context["answer"]["json"] == json.dumps(answer, indent=2)
    assert (
        f'class="debugger-summary debugger-{tone}" id="debugger-summary">{escape(answer["summary"])}</p>'
        in html
    )
    if answer["fix"]:
        assert f"<p>{escape(answer['fix'])}</p>" in html
    else:
        assert 'id="debugger-fix"' not in html
    for name in answer["outcome"]:
        assert f'<th scope="row"><code>{name}</code></th>' in html
    for step in answer["steps"]:
        assert f"<li><code>{escape(step['step'])}</code> {escape(step['detail'])}</li>" in html


def outcome_row(name: str, value: str) -> str:
    return f'<tr><th scope="row"><code>{name}</code></th><td>{escape(value)}</td></tr>'


# Who may open it


def test_superuser_opens_the_debugger_of_any_tenant(superuser_client, tenant, other_tenant, rs256_api):
    # when
    resp = superuser_client.get(url_of(other_tenant))
    # then
    assert resp.status_code == 200
    assert resp.context["original"] == other_tenant
    html = resp.content.decode()
    assert "<h1>Token debugger</h1>" in html
    assert f"<h2>{other_tenant}</h2>" in html
    assert 'id="token-request-form"' in html
    assert 'id="presented-token-form"' in html
    assert resp.context["answer"] is None


def test_staff_member_opens_their_tenants_debugger_with_its_clients_and_apis(
    staff_client, tenant, other_tenant, rs256_api, password_app
):
    # given: the other tenant has an app and an API of its own
    foreign_client, _ = factories.make_client(other_tenant, name="Foreign app")
    foreign_api = factories.make_api(other_tenant, identifier="https://api.other.test/")
    # when
    resp = staff_client.get(url_of(tenant))
    # then
    assert resp.status_code == 200
    html = resp.content.decode()
    choices = dict(resp.context["request_form"].fields["client_id"].choices)
    assert choices[password_app.client_id] == f"Password app ({password_app.client_id})"
    assert set(choices) == {"", *Client.objects.filter(tenant=tenant).values_list("client_id", flat=True)}
    assert foreign_client.client_id not in html
    assert f'<option value="{rs256_api.identifier}"></option>' in html
    assert f'<option value="{tenant.management_audience}"></option>' in html
    assert foreign_api.identifier not in html
    assert [value for value, _ in resp.context["request_form"].fields["grant_type"].choices] == [
        "client_credentials",
        "password",
        "http://auth0.com/oauth/grant-type/password-realm",
        "authorization_code",
        "implicit",
        "refresh_token",
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_tenants_staff_finds_no_such_tenant(client, django_user_model, tenant, other_tenant, method):
    # given: bob administers "other" only
    bob = django_user_model.objects.create_user("bob", "bob@example.test", "pw", is_staff=True)
    tenant_membership_add(tenant=other_tenant, user=bob)
    client.force_login(bob)
    # when
    resp = getattr(client, method)(url_of(tenant), {"mode": "token", "token": "x.y.z"})
    # then
    assert resp.status_code == 302
    assert resp.url == "/admin/"
    assert any("doesn’t exist" in m for m in messages_of(resp))


def test_anonymous_and_non_staff_users_are_sent_to_the_login_page(client, django_user_model, tenant):
    # when
    anonymous = client.get(url_of(tenant))
    client.force_login(django_user_model.objects.create_user("carol", "carol@example.test", "pw"))
    non_staff = client.get(url_of(tenant))
    # then
    for resp in (anonymous, non_staff):
        assert resp.status_code == 302
        assert resp.url.startswith("/admin/login/")


def test_a_post_without_the_csrf_token_is_refused(django_user_model, tenant, password_app):
    # given: a browser-like client, which must send the CSRF token
    http = DjangoClient(enforce_csrf_checks=True)
    http.force_login(django_user_model.objects.create_superuser("root", "root@example.test", "pw"))
    body = {"mode": "request", "grant_type": "password", "client_id": password_app.client_id}
    # when
    refused = http.post(url_of(tenant), body)
    page = http.get(url_of(tenant))
    accepted = http.post(url_of(tenant), {**body, "csrfmiddlewaretoken": page.cookies["csrftoken"].value})
    # then
    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert accepted.context["answer"] is not None


def test_the_change_page_and_the_changelist_link_to_the_debugger(superuser_client, tenant):
    # when
    change = superuser_client.get(f"/admin/tenants/tenant/{tenant.pk}/change/")
    changelist = superuser_client.get("/admin/tenants/tenant/")
    add = superuser_client.get("/admin/tenants/tenant/add/")
    # then
    link = f'<a href="{url_of(tenant)}">Token debugger</a>'
    assert link in change.content.decode()
    assert link in changelist.content.decode()
    assert "token-debugger" not in add.content.decode()


# The five cases of SPEC section 7, through the admin form


def test_silent_renewal_without_audience_is_opaque_and_says_to_pass_the_audience(
    superuser_client, tenant, spa_app, rs256_api
):
    # given: a tenant without Default Audience; the renewal did not resend `audience`
    request = {"grant_type": "authorization_code", "client_id": spa_app.client_id, "scope": "openid profile"}
    # when
    resp, html = explain_in_admin(superuser_client, tenant, **request)
    # then
    answer = explain_request(tenant=tenant, **request)
    assert_shows(resp, html, answer, tone="opaque")
    assert "No audience was requested and the tenant has no Default Audience" in answer["summary"]
    assert answer["fix"] == f"Pass audience={rs256_api.identifier} to get a JWT for that API."
    assert outcome_row("format", "opaque") in html
    assert outcome_row("audiences", tenant.userinfo_audience) in html
    assert outcome_row("error", "—") in html


@pytest.mark.parametrize(
    ("typo", "case"),
    [("https://api.acme.test", "missing trailing slash"), ("https://api.acme.tst/", "typo")],
)
def test_unregistered_audience_shows_the_exact_error_and_the_closest_identifier(
    superuser_client, tenant, m2m_app, rs256_api, typo, case
):
    # given
    request = {"grant_type": "client_credentials", "client_id": m2m_app.client_id, "audience": typo}
    # when
    resp, html = explain_in_admin(superuser_client, tenant, **request)
    # then
    answer = explain_request(tenant=tenant, **request)
    assert_shows(resp, html, answer, tone="error")
    assert outcome_row("error", f"403 access_denied: Service not enabled within domain: {typo}") in html
    assert escape(f"Did you mean {rs256_api.identifier}?") in html
    assert outcome_row("format", "—") in html


def test_openid_profile_without_audience_is_opaque_and_only_valid_at_userinfo(
    superuser_client, tenant, password_app, rs256_api
):
    # given
    request = {"grant_type": "password", "client_id": password_app.client_id, "scope": "openid profile"}
    # when
    resp, html = explain_in_admin(superuser_client, tenant, **request)
    # then
    answer = explain_request(tenant=tenant, **request)
    assert_shows(resp, html, answer, tone="opaque")
    assert "only valid at /userinfo" in answer["summary"]
    assert outcome_row("scope", "openid profile") in html


def test_email_profile_without_openid_says_there_is_no_id_token(
    superuser_client, tenant, password_app, rs256_api
):
    # given
    request = {"grant_type": "password", "client_id": password_app.client_id, "scope": "email profile"}
    # when
    resp, html = explain_in_admin(superuser_client, tenant, **request)
    # then
    answer = explain_request(tenant=tenant, **request)
    assert_shows(resp, html, answer, tone="opaque")
    assert "no ID token" in answer["summary"]
    assert escape('The scope has no "openid"') in html
    assert outcome_row("format", "opaque") in html


def test_hs256_api_with_openid_is_refused_with_both_ways_out(
    superuser_client, tenant, password_app, hs256_api
):
    # given
    request = {
        "grant_type": "password",
        "client_id": password_app.client_id,
        "audience": hs256_api.identifier,
        "scope": "openid",
    }
    # when
    resp, html = explain_in_admin(superuser_client, tenant, **request)
    # then
    answer = explain_request(tenant=tenant, **request)
    assert_shows(resp, html, answer, tone="error")
    error = answer["outcome"]["error"]
    assert (error["status"], error["error"]) == (400, "invalid_request")
    assert outcome_row("error", f"400 invalid_request: {error['error_description']}") in html
    assert "RS256" in answer["fix"]
    assert '"openid"' in answer["fix"]


def test_a_request_for_a_registered_api_is_a_jwt_in_green(staff_client, tenant, m2m_app, rs256_api):
    # given
    request = {
        "grant_type": "client_credentials",
        "client_id": m2m_app.client_id,
        "audience": rs256_api.identifier,
    }
    # when
    resp, html = explain_in_admin(staff_client, tenant, **request)
    # then
    answer = explain_request(tenant=tenant, **request)
    assert_shows(resp, html, answer, tone="jwt")
    assert outcome_row("format", "jwt") in html
    assert outcome_row("alg", "RS256") in html
    assert outcome_row("kid", answer["outcome"]["kid"]) in html


def test_the_posted_request_stays_in_the_form(superuser_client, tenant, password_app, rs256_api):
    # when
    resp, _ = explain_in_admin(
        superuser_client, tenant, grant_type="password", client_id=password_app.client_id, scope="openid"
    )
    # then
    form = resp.context["request_form"]
    assert (form["grant_type"].value(), form["client_id"].value(), form["scope"].value()) == (
        "password",
        password_app.client_id,
        "openid",
    )


# A presented token


def issue(tenant, **body) -> str:
    resp = DjangoClient().post(
        f"/{tenant.slug}/oauth/token", json.dumps(body), content_type="application/json"
    )
    assert resp.status_code == 200, resp.content
    return resp.json()["access_token"]


def test_a_presented_opaque_token_says_why_it_is_opaque(
    superuser_client, tenant, password_app, end_user, rs256_api
):
    # given
    token = issue(
        tenant,
        grant_type="password",
        username=end_user.email,
        password=factories.DEFAULT_PASSWORD,
        scope="openid profile",
        **password_app.creds,
    )
    # when
    resp = superuser_client.post(url_of(tenant), {"mode": "token", "token": f"  {token}\n"})
    # then
    assert resp.status_code == 200
    html = resp.content.decode()
    answer = explain_token(tenant=tenant, token=token)
    assert_shows(resp, html, answer, tone="opaque")
    assert answer["fix"] == f"Request it with audience={rs256_api.identifier} to get a JWT."
    assert outcome_row("ours", "yes") in html
    assert outcome_row("verifies", "yes") in html
    assert escape(end_user.email) in html


def test_a_presented_jwt_names_its_key_and_verifies(superuser_client, tenant, m2m_app, rs256_api):
    # given
    token = issue(tenant, grant_type="client_credentials", audience=rs256_api.identifier, **m2m_app.creds)
    # when
    resp = superuser_client.post(url_of(tenant), {"mode": "token", "token": token})
    # then
    html = resp.content.decode()
    answer = explain_token(tenant=tenant, token=token)
    assert_shows(resp, html, answer, tone="jwt")
    assert outcome_row("key_state", "current") in html
    assert outcome_row("verifies", "yes") in html


def test_another_tenants_token_is_not_ours_in_red(
    superuser_client, tenant, other_tenant, password_app, end_user
):
    # given: a token acme issued, explained on other's debugger
    token = issue(
        tenant,
        grant_type="password",
        username=end_user.email,
        password=factories.DEFAULT_PASSWORD,
        scope="openid",
        **password_app.creds,
    )
    # when
    resp = superuser_client.post(url_of(other_tenant), {"mode": "token", "token": token})
    # then
    html = resp.content.decode()
    answer = explain_token(tenant=other_tenant, token=token)
    assert_shows(resp, html, answer, tone="error")
    assert outcome_row("ours", "no") in html


# Bad input is a form error, never a 500


@pytest.mark.parametrize(
    ("body", "form", "field", "message"),
    [
        pytest.param(
            {"mode": "request", "grant_type": "password", "client_id": ""},
            "request_form",
            "client_id",
            "Choose the application that asks for the token.",
            id="no-client",
        ),
        pytest.param(
            {"mode": "request", "grant_type": "password", "client_id": "not-a-client"},
            "request_form",
            "client_id",
            "Select a valid choice. not-a-client is not one of the available choices.",
            id="unknown-client",
        ),
        pytest.param(
            {"mode": "request", "grant_type": "magic", "client_id": ""},
            "request_form",
            "grant_type",
            "Select a valid choice. magic is not one of the available choices.",
            id="unknown-grant",
        ),
        pytest.param(
            {"mode": "token", "token": "   "},
            "token_form",
            "token",
            "Paste the access token to explain.",
            id="empty-token",
        ),
        pytest.param(
            {},
            "request_form",
            "client_id",
            "Choose the application that asks for the token.",
            id="empty-post",
        ),
    ],
)
def test_bad_input_is_a_form_error(superuser_client, tenant, body, form, field, message):
    # when
    resp = superuser_client.post(url_of(tenant), body)
    # then
    assert resp.status_code == 200
    assert resp.context[form].errors[field] == [message]
    assert resp.context["answer"] is None
    assert escape(message) in resp.content.decode()


def test_another_tenants_client_is_not_a_choice(superuser_client, tenant, other_tenant):
    # given
    foreign, _ = factories.make_client(other_tenant, name="Foreign", grant_types=["client_credentials"])
    # when
    resp = superuser_client.post(
        url_of(tenant),
        {"mode": "request", "grant_type": "client_credentials", "client_id": foreign.client_id},
    )
    # then
    assert resp.status_code == 200
    assert "client_id" in resp.context["request_form"].errors
    assert resp.context["answer"] is None


def test_a_string_that_is_no_token_is_explained_not_an_error(superuser_client, tenant):
    # when
    resp = superuser_client.post(url_of(tenant), {"mode": "token", "token": "hello"})
    # then
    assert resp.status_code == 200
    assert_shows(resp, resp.content.decode(), explain_token(tenant=tenant, token="hello"), tone="error")
