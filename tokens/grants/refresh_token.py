"""grant_type=refresh_token (RFC 6749 section 6): the token is rotated while deciding
(tokens.grants.credentials), keeping its original audience; this issues the new tokens."""

from core.exceptions import InvalidGrant
from tokens.decision.scopes import parse_scope
from tokens.decision.token_request import TokenDecision
from tokens.issuing.user_tokens import token_body, user_access_token_issue, user_id_token_issue
from tokens.storage.refresh import refresh_family_revoke, refresh_family_revoked, refresh_token_issue


def issue(decision: TokenDecision) -> dict:
    client, user, record, resolution = decision.client, decision.user, decision.stored, decision.resolution
    scope = decision.scope
    access_token, expires_in = user_access_token_issue(
        client=client,
        user=user,
        resolution=resolution,
        scope=scope,
        grant_type="refresh_token",
        family=record.family,
    )
    id_token = None
    if "openid" in scope:
        id_token = user_id_token_issue(
            client=client, user=user, scope=scope, auth_time=int(record.auth_time.timestamp())
        )
    new_token = refresh_token_issue(
        client=client,
        user=user,
        audience=record.audience,
        scope=parse_scope(record.scope),
        auth_time=record.auth_time,
        family=record.family,
        family_expires_at=record.family_expires_at,
        generation=record.generation + 1,
    )
    # A reuse detected while this rotation ran revoked the family; the new token must not escape it.
    if refresh_family_revoked(tenant=client.tenant, family=record.family):
        refresh_family_revoke(tenant=client.tenant, family=record.family)
        raise InvalidGrant("The refresh token has been revoked.")
    return token_body(
        access_token=access_token,
        expires_in=expires_in,
        scope=scope,
        id_token=id_token,
        refresh_token=new_token,
    )
