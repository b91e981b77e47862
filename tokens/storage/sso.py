"""The tenant-scoped SSO session (Auth0's session layer): a random cookie value, stored hashed in the DB.

The cookie's path is `/{slug}/`, so each tenant has its own session and a browser signed in at one
tenant is a stranger at another. Its state lives in the database, so every process sees it.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.utils import timezone

from core.crypto import sha256_hex
from tenants.request_host import tenant_path
from tokens.models import SsoSession

COOKIE_NAME = "authport_session"


def _cookie_path(tenant) -> str:
    """`/{slug}/` on a host that serves every tenant, `/` on the tenant's own host (SPEC section 1)."""
    return tenant_path(tenant.slug, f"/{tenant.slug}/")


def sso_session_get(*, request, tenant) -> SsoSession | None:
    """The live session of this tenant's cookie, with its user, or None (absent, ended, unused for
    longer than the idle lifetime, or past its absolute lifetime)."""
    value = request.COOKIES.get(COOKIE_NAME)
    if not value:
        return None
    now = timezone.now()
    return (
        SsoSession.objects.for_tenant(tenant)
        .select_related("user")
        .filter(
            key_hash=sha256_hex(value), ended_at__isnull=True, expires_at__gt=now, idle_expires_at__gt=now
        )
        .first()
    )


def _idle_expiry(tenant, *, now: dt.datetime, expires_at: dt.datetime) -> dt.datetime:
    """When a session used `now` ends unless used again: the tenant's idle lifetime from now, never
    after its absolute expiry (Auth0's idle_session_lifetime and session_lifetime)."""
    return min(now + dt.timedelta(minutes=tenant.idle_session_lifetime_in_minutes), expires_at)


def sso_session_start(*, tenant, user, first_audience: str = "") -> tuple[SsoSession, str]:
    """Sign `user` in at `tenant`: (session, cookie value). The session ends at the tenant's
    session_lifetime from now, or sooner when unused for its idle_session_lifetime.
    `first_audience` is what the login's first token is for."""
    value = secrets.token_urlsafe(32)
    now = timezone.now()
    expires_at = now + dt.timedelta(minutes=tenant.session_lifetime_in_minutes)
    session = SsoSession.objects.create(
        tenant=tenant,
        user=user,
        key_hash=sha256_hex(value),
        first_audience=first_audience,
        auth_time=now,
        expires_at=expires_at,
        last_used_at=now,
        idle_expires_at=_idle_expiry(tenant, now=now, expires_at=expires_at),
    )
    return session, value


def sso_session_use(*, request, response, tenant, session: SsoSession) -> None:
    """The session answered a request (/authorize, silent or not): it is used now, so its idle
    expiry moves on (never past its absolute one), and the cookie's max-age with it."""
    now = timezone.now()
    session.last_used_at = now
    session.idle_expires_at = _idle_expiry(tenant, now=now, expires_at=session.expires_at)
    SsoSession.objects.filter(pk=session.pk).update(
        last_used_at=session.last_used_at, idle_expires_at=session.idle_expires_at
    )
    sso_cookie_set(response=response, tenant=tenant, value=request.COOKIES[COOKIE_NAME], session=session)


def sso_cookie_set(*, response, tenant, value: str, session: SsoSession) -> None:
    """The session cookie, kept by the browser until the session's idle expiry (renewed at each use)."""
    secure = settings.PUBLIC_URL.startswith("https://")
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=max(round((session.idle_expires_at - timezone.now()).total_seconds()), 0),
        path=_cookie_path(tenant),
        secure=secure,
        httponly=True,
        # Silent renewal runs in an iframe of the app's site: over https the cookie must be sent
        # cross-site (None requires Secure); over plain http only same-site frames get it (Lax).
        samesite="None" if secure else "Lax",
    )


def sso_session_end(*, request, response, tenant) -> None:
    """Log out: end this cookie's session in the DB (every process) and delete the cookie."""
    value = request.COOKIES.get(COOKIE_NAME)
    if value:
        SsoSession.objects.for_tenant(tenant).filter(
            key_hash=sha256_hex(value), ended_at__isnull=True
        ).update(ended_at=timezone.now())
    response.delete_cookie(COOKIE_NAME, path=_cookie_path(tenant))
