"""The login page, the tenant's SSO session, prompt and max_age (brute force: tests/security)."""

import datetime as dt

import pytest
from django.db.models import F
from django.test import Client as BrowserClient
from django.utils import timezone

from accounts.services import user_update
from tenants.services import tenant_update
from tests import factories
from tests.flows.conftest import SPA_CALLBACK, parse_form, redirect_base, redirect_params
from tokens.models import AuthorizationCode, SsoSession
from tokens.storage.sso import COOKIE_NAME


def test_login_page_is_a_plain_form_carrying_the_request(authorize, spa, api):
    # when
    resp, _ = authorize()
    # then: a form that works without JavaScript, with a CSRF token and the request in hidden fields
    assert resp.status_code == 200
    assert resp["X-Frame-Options"] == "DENY"
    assert (
        resp["Content-Security-Policy"]
        == "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    )
    assert resp["Cache-Control"] == "no-store"
    # no-referrer would make browsers send "Origin: null" with the form, which CSRF checks refuse
    assert resp["Referrer-Policy"] == "same-origin"
    assert "<script" not in resp.content.decode()
    form = parse_form(resp.content.decode())
    assert form.action == "/acme/login"
    assert form.fields["csrfmiddlewaretoken"]
    assert form.fields["client_id"] == spa.client_id
    assert form.fields["audience"] == api.identifier
    assert form.fields["state"] == "st-123"
    assert set(form.fields) >= {"email", "password", "redirect_uri", "code_challenge", "nonce", "scope"}


def test_login_issues_a_code_and_starts_a_session(authorize, submit_login, end_user, tenant):
    # given
    page, _ = authorize()
    # when
    resp = submit_login(page)
    # then
    assert redirect_base(resp) == SPA_CALLBACK
    params = redirect_params(resp)
    assert set(params) == {"code", "state"}
    assert params["state"] == "st-123"
    cookie = resp.cookies[COOKIE_NAME]
    assert cookie["path"] == "/acme/"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    # Auth0's defaults: the browser keeps the cookie for the idle lifetime (72 h), renewed at each use
    assert cookie["max-age"] == 72 * 3600
    session = SsoSession.objects.get()
    assert session.user == end_user
    assert session.expires_at - session.auth_time == dt.timedelta(hours=168)
    assert session.idle_expires_at - session.last_used_at == dt.timedelta(hours=72)
    assert session.last_used_at == session.auth_time


def test_login_without_csrf_token_is_refused(client, authorize, end_user):
    # given
    page, _ = authorize()
    fields = parse_form(page.content.decode()).fields
    fields.pop("csrfmiddlewaretoken")
    # when
    resp = client.post(
        "/acme/login", {**fields, "email": end_user.email, "password": factories.DEFAULT_PASSWORD}
    )
    # then
    assert resp.status_code == 403
    assert SsoSession.objects.count() == 0
    assert AuthorizationCode.objects.count() == 0


@pytest.mark.parametrize(
    ("email", "password"),
    [("alice@example.test", "wrong password"), ("nobody@example.test", factories.DEFAULT_PASSWORD)],
    ids=["wrong_password", "unknown_user"],
)
def test_wrong_credentials_show_the_same_message(authorize, submit_login, end_user, email, password):
    # when
    resp = submit_login(authorize()[0], email=email, password=password)
    # then
    assert resp.status_code == 200
    assert "Wrong email or password." in resp.content.decode()
    assert parse_form(resp.content.decode()).fields["email"] == email
    assert SsoSession.objects.count() == 0
    assert AuthorizationCode.objects.count() == 0


def test_blocked_user_is_refused(authorize, submit_login, end_user):
    # given
    user_update(user=end_user, blocked=True)
    # when
    resp = submit_login(authorize()[0])
    # then
    assert resp.status_code == 403
    assert "Your account is blocked." in resp.content.decode()
    assert SsoSession.objects.count() == 0


def test_second_authorize_signs_in_silently(signed_in, authorize):
    # given
    signed_in()
    # when
    resp, _ = authorize(prompt="none", state="second")
    # then
    params = redirect_params(resp)
    assert set(params) == {"code", "state"}
    assert params["state"] == "second"
    assert AuthorizationCode.objects.count() == 2


def test_prompt_login_shows_the_form_despite_a_session(signed_in, authorize):
    signed_in()
    resp, _ = authorize(prompt="login")
    assert resp.status_code == 200
    assert parse_form(resp.content.decode()).action == "/acme/login"


def test_max_age_exceeded_asks_for_login_again(signed_in, authorize):
    # given: the session signed in an hour ago
    signed_in()
    SsoSession.objects.update(auth_time=timezone.now() - dt.timedelta(hours=1))
    # when / then
    assert authorize(max_age="3600", prompt="none")[0]["Location"].endswith(
        "error=login_required&error_description=Login+required&state=st-123"
    )
    assert authorize(max_age="3700", prompt="none")[0].status_code == 302
    assert "code" in redirect_params(authorize(max_age="3700", prompt="none")[0])
    assert authorize(max_age="3600")[0].status_code == 200  # the login form


def test_expired_session_is_not_used(signed_in, authorize):
    signed_in()
    SsoSession.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert redirect_params(authorize(prompt="none")[0])["error"] == "login_required"


def _elapse(minutes: float) -> None:
    """Time passes for the stored sessions (the suite moves time by moving stored instants back)."""
    delta = dt.timedelta(minutes=minutes)
    SsoSession.objects.update(
        auth_time=F("auth_time") - delta,
        expires_at=F("expires_at") - delta,
        last_used_at=F("last_used_at") - delta,
        idle_expires_at=F("idle_expires_at") - delta,
    )


@pytest.fixture
def short_sessions(tenant):
    """Sessions that end when unused for 30 minutes, and two hours after the login in any case."""
    return tenant_update(tenant=tenant, session_lifetime_in_minutes=120, idle_session_lifetime_in_minutes=30)


def test_session_unused_for_the_idle_lifetime_ends(short_sessions, signed_in, authorize):
    # given: signed in 31 minutes ago, unused since
    signed_in()
    _elapse(31)
    # when
    silent, _ = authorize(prompt="none")
    interactive, _ = authorize()
    # then
    assert redirect_params(silent)["error"] == "login_required"
    assert interactive.status_code == 200  # the login form
    assert parse_form(interactive.content.decode()).action == "/acme/login"


def test_each_use_keeps_the_session_alive_until_its_absolute_lifetime(
    short_sessions, signed_in, authorize, client
):
    # given
    signed_in()
    login_cookie = client.cookies[COOKIE_NAME].value
    # when / then: used every 25 minutes (silently, or at an interactive /authorize), it lives on
    for minute, prompt in ((25, "none"), (50, None), (75, "none"), (100, "none")):
        _elapse(25)
        resp, _ = authorize(prompt=prompt, state=f"at-{minute}")
        assert set(redirect_params(resp)) == {"code", "state"}, (minute, resp.status_code)
        session = SsoSession.objects.get()
        assert timezone.now() - session.last_used_at < dt.timedelta(seconds=5)
        # the cookie is renewed with it: the idle lifetime, or what is left of the absolute one
        remaining = (session.expires_at - timezone.now()).total_seconds()
        assert resp.cookies[COOKIE_NAME]["max-age"] == min(30 * 60, round(remaining))
        assert resp.cookies[COOKIE_NAME].value == login_cookie  # the same session, renewed
    assert resp.cookies[COOKIE_NAME]["max-age"] == 20 * 60  # at minute 100: 20 minutes left
    # ... but never past two hours from the login, however recently it was used
    _elapse(21)
    assert redirect_params(authorize(prompt="none")[0])["error"] == "login_required"
    assert AuthorizationCode.objects.count() == 5  # the login's and the four uses'


def test_blocked_user_loses_the_session(signed_in, authorize, end_user):
    signed_in()
    user_update(user=end_user, blocked=True)
    assert redirect_params(authorize(prompt="none")[0])["error"] == "login_required"


def test_session_of_one_tenant_is_unknown_to_another(signed_in, client, other_tenant):
    # given: signed in at acme, and the same kind of app at other
    signed_in()
    other_spa, _ = factories.make_client(
        other_tenant, name="SPA", app_type="spa", grant_types=["authorization_code"], callbacks=[SPA_CALLBACK]
    )
    # when: the cookie is path-scoped, and even replayed by hand it names no session of other
    cookie = client.cookies[COOKIE_NAME].value
    stranger = BrowserClient()
    stranger.cookies[COOKIE_NAME] = cookie
    resp = stranger.get(
        "/other/authorize",
        {
            "client_id": other_spa.client_id,
            "response_type": "code",
            "redirect_uri": SPA_CALLBACK,
            "prompt": "none",
            "code_challenge": "a" * 43,
            "code_challenge_method": "S256",
        },
    )
    # then
    assert redirect_params(resp) == {"error": "login_required", "error_description": "Login required"}


def test_login_hint_prefills_the_email(authorize):
    resp, _ = authorize(login_hint="alice@example.test")
    assert parse_form(resp.content.decode()).fields["email"] == "alice@example.test"


def test_login_form_post_from_the_same_origin_passes_csrf(authorize, client, end_user):
    # given: what a browser sends with the form: the cookie, the token, and its Origin
    page, _ = authorize()
    fields = parse_form(page.content.decode()).fields
    # when
    resp = client.post(
        "/acme/login",
        {**fields, "email": end_user.email, "password": factories.DEFAULT_PASSWORD},
        HTTP_ORIGIN="http://testserver",
    )
    # then
    assert resp.status_code == 302


def test_a_new_login_ends_the_previous_session(signed_in, authorize, submit_login):
    # given
    signed_in()
    # when: prompt=login, and the user signs in again
    resp = submit_login(authorize(prompt="login")[0])
    # then
    assert resp.status_code == 302
    assert SsoSession.objects.filter(ended_at__isnull=True).count() == 1
    assert SsoSession.objects.filter(ended_at__isnull=False).count() == 1
    assert "code" in redirect_params(authorize(prompt="none")[0])
