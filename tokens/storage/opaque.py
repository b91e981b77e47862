"""Opaque access tokens: userinfo-only, random, prefixed, stored as a hash (SPEC section 2, step 4)."""

import datetime as dt
import secrets

from django.utils import timezone

from core.crypto import sha256_hex
from tokens.models import OPAQUE_PREFIX, OpaqueAccessToken

OPAQUE_TOKEN_LIFETIME = 86_400


def opaque_token_issue(
    *, tenant, client, user, scope: list[str], grant_type: str, steps: list, family: str = ""
) -> tuple[str, int]:
    """Issue a token of 256 random bits; only its SHA-256 is stored (the bits make a keyed hash unnecessary)."""
    token = OPAQUE_PREFIX + secrets.token_urlsafe(32)
    OpaqueAccessToken.objects.create(
        tenant=tenant,
        client=client,
        user=user,
        token_hash=sha256_hex(token),
        scope=" ".join(scope),
        grant_type=grant_type,
        expires_at=timezone.now() + dt.timedelta(seconds=OPAQUE_TOKEN_LIFETIME),
        steps=[s.as_dict() for s in steps],
        family=family,
    )
    return token, OPAQUE_TOKEN_LIFETIME


def opaque_token_find(*, tenant, token: str) -> OpaqueAccessToken | None:
    """The live token of this tenant, or None (unknown, expired, or another tenant's)."""
    if not token.startswith(OPAQUE_PREFIX):
        return None
    return (
        OpaqueAccessToken.objects.for_tenant(tenant)
        .select_related("user", "client")
        .filter(token_hash=sha256_hex(token), expires_at__gt=timezone.now())
        .first()
    )
