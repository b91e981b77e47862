"""Authorization codes (RFC 6749 section 4.1, RFC 7636 PKCE) and the authorization_code grant.

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
from core.exceptions import InvalidGrant, InvalidRequest
from tokens.decision.audience import audience_resolve
from tokens.decision.scopes import parse_scope
from tokens.issuing.user_tokens import (
    OFFLINE_ACCESS,
    refresh_allowed,
    token_body,
    user_access_token_issue,
    user_id_token_issue,
)
from tokens.models import CODE_PREFIX, AuthorizationCode
from tokens.storage.refresh import new_family, refresh_family_revoke, refresh_token_issue

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


def authorization_code_grant(*, client, params: dict[str, str], ip: str) -> dict:
    """grant_type=authorization_code (RFC 6749 section 4.1.3)."""
    code = params.get("code")
    if not code:
        raise InvalidRequest("Missing required parameter: code")
    record = authorization_code_redeem(
        client=client,
        code=code,
        redirect_uri=params.get("redirect_uri"),
        code_verifier=params.get("code_verifier"),
    )
    user = record.user
    if user.blocked:
        raise InvalidGrant("user is blocked")
    scope = parse_scope(record.scope)  # decided at /authorize, RBAC included
    resolution = audience_resolve(
        tenant=client.tenant,
        client=client,
        audience=record.audience,
        resource=None,
        scopes=scope,
        acts_for_user=True,
    )
    with_refresh = refresh_allowed(client=client, resolution=resolution, scope=scope)
    if not with_refresh:
        scope = [s for s in scope if s != OFFLINE_ACCESS]
    access_token, expires_in = user_access_token_issue(
        client=client,
        user=user,
        resolution=resolution,
        scope=scope,
        grant_type="authorization_code",
        family=record.refresh_family,
    )
    id_token = None
    if "openid" in scope:
        id_token = user_id_token_issue(
            client=client,
            user=user,
            scope=scope,
            auth_time=int(record.auth_time.timestamp()),
            nonce=record.nonce or None,
            access_token=access_token,
        )
    refresh_token = None
    if with_refresh:
        refresh_token = refresh_token_issue(
            client=client,
            user=user,
            audience=record.audience,
            scope=scope,
            auth_time=record.auth_time,
            family=record.refresh_family,
        )
        # A replay that ran while this exchange did found no refresh token yet: revoke it now.
        if AuthorizationCode.objects.filter(pk=record.pk, replayed_at__isnull=False).exists():
            refresh_family_revoke(tenant=client.tenant, family=record.refresh_family)
            raise InvalidGrant(f"{INVALID}: it was already used; the tokens it issued are revoked.")
    return token_body(
        access_token=access_token,
        expires_in=expires_in,
        scope=scope,
        id_token=id_token,
        refresh_token=refresh_token,
    )
