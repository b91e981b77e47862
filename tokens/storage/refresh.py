"""Refresh tokens: opaque, prefixed, stored hashed, rotated on every use, with reuse detection.

A refresh token remembers the audience its first token was issued for, so every token it mints
has the same audiences and format as the first (SPEC section 2, last paragraph). Each use returns a
new refresh token of the same family; presenting a used one again revokes the family (OAuth 2.0
Security BCP, section 4.14.2). A family is revoked as soon as any of its members is.

Auth0's reuse interval (the client's `refresh_token.leeway`): for that many seconds after a token
was rotated, presenting it again is exchanged again, for new tokens, without breach detection, so
that a client whose answer was lost (a worker killed after the rotation committed, a dropped
connection) can retry. Only the previous generation: once one of the tokens it was exchanged for
has itself been used, it is the second-to-last, and presenting it is a reuse, as after the interval.
"""

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from core.crypto import sha256_hex
from core.exceptions import InvalidGrant, InvalidScope
from tokens.decision.scopes import parse_scope
from tokens.models import REFRESH_PREFIX, OpaqueAccessToken, RefreshToken

# Auth0's defaults for rotating refresh tokens: 30 days absolute, 15 days idle.
ABSOLUTE_LIFETIME = dt.timedelta(days=30)
IDLE_LIFETIME = dt.timedelta(days=15)
INVALID = "Unknown or invalid refresh token."


def new_family() -> str:
    return secrets.token_urlsafe(24)


def refresh_token_issue(
    *,
    client,
    user,
    audience: str,
    scope: list[str],
    auth_time: dt.datetime,
    family: str,
    family_expires_at: dt.datetime | None = None,
    generation: int = 0,
) -> str:
    """A new refresh token of `family` (`generation`: rotations since its first token); only its
    SHA-256 is stored (it carries 256 random bits)."""
    token = REFRESH_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    family_expires_at = family_expires_at or now + ABSOLUTE_LIFETIME
    RefreshToken.objects.create(
        tenant=client.tenant,
        client=client,
        user=user,
        token_hash=sha256_hex(token),
        family=family,
        generation=generation,
        audience=audience,
        scope=" ".join(scope),
        auth_time=auth_time,
        expires_at=min(now + IDLE_LIFETIME, family_expires_at),
        family_expires_at=family_expires_at,
    )
    return token


def refresh_family_revoke(*, tenant, family: str) -> int:
    """Revoke every refresh token of a family, and end its opaque access tokens (RFC 6749 4.1.2:
    a replayed code should revoke what it issued); returns how many refresh tokens were live.
    JWTs cannot be recalled: they stay valid until they expire."""
    now = timezone.now()
    OpaqueAccessToken.objects.for_tenant(tenant).filter(family=family, expires_at__gt=now).update(
        expires_at=now
    )
    return (
        RefreshToken.objects.for_tenant(tenant)
        .filter(family=family, revoked_at__isnull=True)
        .update(revoked_at=now)
    )


def refresh_family_revoked(*, tenant, family: str) -> bool:
    return RefreshToken.objects.for_tenant(tenant).filter(family=family, revoked_at__isnull=False).exists()


def refresh_token_find(*, tenant, token: str) -> RefreshToken | None:
    if not token.startswith(REFRESH_PREFIX):
        return None
    return (
        RefreshToken.objects.for_tenant(tenant)
        .select_related("user")
        .filter(token_hash=sha256_hex(token))
        .first()
    )


def refresh_token_use(*, client, token: str, scope: list[str]) -> RefreshToken:
    """Claim a refresh token for one rotation to `scope` (empty: the granted scope). A used token
    presented again revokes its family, unless the client's reuse interval lets it be exchanged
    again; a request for a wider scope is refused without spending it.

    Run it in the transaction that issues the new tokens (tokens.grants.exchange): the claim then
    commits with them or not at all, and a concurrent use of the same token waits for the outcome."""
    tenant = client.tenant
    record = refresh_token_find(tenant=tenant, token=token)
    if record is None or record.client_id != client.pk:
        raise InvalidGrant(INVALID)
    if record.revoked_at is not None or refresh_family_revoked(tenant=tenant, family=record.family):
        raise InvalidGrant("The refresh token has been revoked.")
    if record.expires_at <= timezone.now():
        raise InvalidGrant("The refresh token has expired.")
    wider = [s for s in scope if s not in parse_scope(record.scope)]
    if wider:  # RFC 6749 section 6; checked before the claim, so a corrected retry still works
        raise InvalidScope(
            f"The requested scope exceeds the scope granted by the refresh token: {' '.join(wider)}."
        )
    # Compare-and-set: of two concurrent uses, exactly one claims the token; the other is a reuse.
    claimed = RefreshToken.objects.filter(pk=record.pk, used_at__isnull=True).update(used_at=timezone.now())
    if not claimed and _reusable(record, leeway=client.refresh_token_leeway):
        return record
    if not claimed:
        refresh_family_revoke(tenant=tenant, family=record.family)
        raise InvalidGrant("The refresh token was already used; every token of its family is now revoked.")
    return record


def _reusable(record: RefreshToken, *, leeway: int) -> bool:
    """Whether a used token may be exchanged again: within `leeway` seconds of its rotation, not
    revoked meanwhile, and of the previous generation (none of the tokens it was exchanged for used)."""
    if leeway <= 0:
        return False
    with transaction.atomic():
        # Locked: waits for a rotation or a revocation of this token in flight, then reads its outcome.
        used_at, revoked_at = (
            RefreshToken.objects.select_for_update()
            .filter(pk=record.pk)
            .values_list("used_at", "revoked_at")
            .first()
        ) or (None, None)
        if used_at is None or revoked_at is not None:
            return False
        if timezone.now() > used_at + dt.timedelta(seconds=leeway):
            return False
        return not (
            RefreshToken.objects.for_tenant(record.tenant_id)
            .filter(family=record.family, generation__gt=record.generation, used_at__isnull=False)
            .exists()
        )


def refresh_token_revoke(*, client, token: str) -> None:
    """RFC 7009: revoke the family of this client's refresh token; unknown tokens are ignored."""
    record = refresh_token_find(tenant=client.tenant, token=token)
    if record is not None and record.client_id == client.pk:
        refresh_family_revoke(tenant=client.tenant, family=record.family)
