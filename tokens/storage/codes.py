"""Authorization codes (RFC 6749 section 4.1, RFC 7636 PKCE): issued by /authorize, redeemed by the grant.

A code is random, stored as its SHA-256, valid for 60 s, usable once, and bound to its client,
its redirect_uri and its PKCE challenge. It carries what /authorize resolved (audience, scope,
nonce, auth_time), so the exchange issues exactly the token the request asked for.
"""

import base64
import datetime as dt
import hashlib
import hmac
import secrets

from django.utils import timezone

from core.crypto import sha256_hex
from core.exceptions import InvalidGrant
from tokens.models import CODE_PREFIX, AuthorizationCode
from tokens.storage.refresh import new_family, refresh_family_revoke

CODE_LIFETIME = dt.timedelta(seconds=60)
INVALID = "Invalid authorization code"


def authorization_code_issue(
    *,
    client,
    user,
    redirect_uri: str,
    audience: str,
    scope: list[str],
    nonce: str | None,
    code_challenge: str | None,
    auth_time: dt.datetime,
    steps: list | None = None,
) -> str:
    """A new code for `user`; `audience` is the requested audience as /authorize resolved it."""
    code = CODE_PREFIX + secrets.token_urlsafe(32)
    AuthorizationCode.objects.create(
        tenant=client.tenant,
        client=client,
        user=user,
        code_hash=sha256_hex(code),
        redirect_uri=redirect_uri,
        audience=audience,
        scope=" ".join(scope),
        nonce=nonce or "",
        code_challenge=code_challenge or "",
        auth_time=auth_time,
        expires_at=timezone.now() + CODE_LIFETIME,
        refresh_family=new_family(),
        steps=[s.as_dict() for s in steps or []],
    )
    return code


def pkce_s256(verifier: str) -> str:
    """RFC 7636 section 4.2: BASE64URL(SHA256(ASCII(code_verifier)))."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _revoke_replay(code: AuthorizationCode) -> None:
    """A second use of a code: flag it and revoke what its first use issued (RFC 6749 section 4.1.2)."""
    AuthorizationCode.objects.filter(pk=code.pk).update(replayed_at=timezone.now())
    refresh_family_revoke(tenant=code.tenant, family=code.refresh_family)


def authorization_code_redeem(
    *, client, code: str, redirect_uri: str | None, code_verifier: str | None
) -> AuthorizationCode:
    """Claim a code for this client, once. The code is spent even when a later check fails."""
    record = (
        AuthorizationCode.objects.for_tenant(client.tenant)
        .select_related("user", "tenant")
        .filter(code_hash=sha256_hex(code))
        .first()
        if code.startswith(CODE_PREFIX)
        else None
    )
    if record is None or record.client_id != client.pk:
        raise InvalidGrant(INVALID)
    # Compare-and-set, so of two concurrent exchanges exactly one wins and the other is a replay.
    claimed = AuthorizationCode.objects.filter(pk=record.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not claimed:
        _revoke_replay(record)
        raise InvalidGrant(f"{INVALID}: it was already used; the tokens it issued are revoked.")
    if record.expires_at <= timezone.now():
        raise InvalidGrant(f"{INVALID}: it has expired.")
    if redirect_uri != record.redirect_uri:
        raise InvalidGrant("The redirect_uri does not match the one of the authorization request.")
    if record.code_challenge:
        if not code_verifier:
            raise InvalidGrant("Missing code_verifier: the authorization request used PKCE.")
        if not hmac.compare_digest(pkce_s256(code_verifier), record.code_challenge):
            raise InvalidGrant("Failed to verify code verifier")
    elif code_verifier:
        raise InvalidGrant("A code_verifier was sent, but the authorization request had no code_challenge.")
    return record
