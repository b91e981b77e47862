"""grant_type=authorization_code (RFC 6749 section 4.1.3): the code is redeemed while deciding
(tokens.grants.credentials); this issues what its login resolved."""

from core.exceptions import InvalidGrant
from tokens.decision.token_request import TokenDecision
from tokens.issuing.user_tokens import (
    OFFLINE_ACCESS,
    token_body,
    user_access_token_issue,
    user_id_token_issue,
)
from tokens.models import AuthorizationCode
from tokens.storage.codes import INVALID
from tokens.storage.refresh import refresh_family_revoke, refresh_token_issue


def issue(decision: TokenDecision) -> dict:
    client, user, record, resolution = decision.client, decision.user, decision.stored, decision.resolution
    scope = decision.scope
    with_refresh = OFFLINE_ACCESS in scope  # the decision kept it only where a refresh token is allowed
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
