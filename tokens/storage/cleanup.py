"""Deleting what can no longer be used: expired opaque tokens, codes, refresh-token families and sessions,
and log events past their retention (LOG_RETENTION_DAYS, SPEC section 9)."""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from logs.services import log_events_prune
from tokens.models import AuthorizationCode, OpaqueAccessToken, RefreshToken, SsoSession

# A used code is kept a while past its 60 s lifetime, so that a late replay is still recognised as
# one (and revokes what the code issued) rather than looking like an unknown code.
CODE_RETENTION = dt.timedelta(days=1)


@transaction.atomic
def expired_tokens_delete(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete expired rows and old log events; returns how many of each. Refresh tokens go only with
    their whole family, since a rotated token must stay known until then for reuse detection."""
    now = now or timezone.now()
    return {
        "opaque_access_tokens": OpaqueAccessToken.objects.filter(expires_at__lte=now).delete()[0],
        "authorization_codes": AuthorizationCode.objects.filter(
            expires_at__lte=now - CODE_RETENTION
        ).delete()[0],
        "refresh_tokens": RefreshToken.objects.filter(family_expires_at__lte=now).delete()[0],
        "sso_sessions": SsoSession.objects.filter(
            Q(expires_at__lte=now) | Q(idle_expires_at__lte=now)  # past its absolute or idle lifetime
        ).delete()[0],
        "log_events": log_events_prune(now=now),
    }
