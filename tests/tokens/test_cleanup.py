"""`clear_expired_tokens`: expired rows go, live ones stay, and reuse detection keeps what it needs."""

import datetime as dt
import json
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from tokens.models import AuthorizationCode, OpaqueAccessToken, RefreshToken, SsoSession
from tokens.storage.codes import authorization_code_issue
from tokens.storage.opaque import opaque_token_issue
from tokens.storage.refresh import new_family, refresh_token_issue
from tokens.storage.sso import sso_session_start


def _issue_everything(client, user):
    now = timezone.now()
    opaque_token_issue(
        tenant=client.tenant, client=client, user=user, scope=["openid"], grant_type="password", steps=[]
    )
    authorization_code_issue(
        client=client,
        user=user,
        redirect_uri="https://app.test/cb",
        audience="",
        scope=["openid"],
        nonce=None,
        code_challenge=None,
        auth_time=now,
    )
    refresh_token_issue(
        client=client, user=user, audience="", scope=["openid"], auth_time=now, family=new_family()
    )
    sso_session_start(tenant=client.tenant, user=user)


def _counts() -> dict:
    return {
        "opaque_access_tokens": OpaqueAccessToken.objects.count(),
        "authorization_codes": AuthorizationCode.objects.count(),
        "refresh_tokens": RefreshToken.objects.count(),
        "sso_sessions": SsoSession.objects.count(),
    }


def test_live_rows_stay(password_app, end_user):
    # given
    _issue_everything(password_app.client, end_user)
    # when
    out = StringIO()
    call_command("clear_expired_tokens", "--json", stdout=out)
    # then
    assert json.loads(out.getvalue()) == {**dict.fromkeys(_counts(), 0), "log_events": 0}
    assert _counts() == dict.fromkeys(_counts(), 1)


def test_expired_rows_go_but_codes_and_families_are_kept_for_reuse_detection(password_app, end_user):
    # given: everything is past its own expiry, but codes only by an hour and families not at all
    _issue_everything(password_app.client, end_user)
    past = timezone.now() - dt.timedelta(hours=1)
    OpaqueAccessToken.objects.update(expires_at=past)
    AuthorizationCode.objects.update(expires_at=past)
    RefreshToken.objects.update(expires_at=past)
    SsoSession.objects.update(expires_at=past)
    # when
    out = StringIO()
    call_command("clear_expired_tokens", stdout=out)
    # then
    assert out.getvalue().strip() == (
        "Deleted 1 opaque access tokens, 0 authorization codes, 0 refresh tokens, 1 sso sessions, "
        "0 log events."
    )
    assert _counts() == {
        "opaque_access_tokens": 0,
        "authorization_codes": 1,
        "refresh_tokens": 1,
        "sso_sessions": 0,
    }
    # and once the family and the code retention are over, they go too
    RefreshToken.objects.update(family_expires_at=past)
    AuthorizationCode.objects.update(expires_at=past - dt.timedelta(days=1))
    call_command("clear_expired_tokens", stdout=StringIO())
    assert _counts() == dict.fromkeys(_counts(), 0)


def test_sessions_unused_past_their_idle_lifetime_go(password_app, end_user):
    # given: two sessions within their absolute lifetime, one unused past its idle lifetime
    tenant = password_app.client.tenant
    idle, _ = sso_session_start(tenant=tenant, user=end_user)
    live, _ = sso_session_start(tenant=tenant, user=end_user)
    SsoSession.objects.filter(pk=idle.pk).update(idle_expires_at=timezone.now() - dt.timedelta(seconds=1))
    # when
    call_command("clear_expired_tokens", stdout=StringIO())
    # then
    assert list(SsoSession.objects.values_list("pk", flat=True)) == [live.pk]
