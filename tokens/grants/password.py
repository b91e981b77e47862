"""Resource owner password grant and Auth0's password-realm variant (RFC 6749 section 4.3).
Decided (password and brute-force check included) by tokens.decision.token_request; this issues."""

from django.utils import timezone

from accounts.services import user_record_login
from tokens.decision.token_request import TokenDecision
from tokens.issuing.user_tokens import (
    OFFLINE_ACCESS,
    token_body,
    user_access_token_issue,
    user_id_token_issue,
)
from tokens.storage.refresh import new_family, refresh_token_issue


def issue(decision: TokenDecision) -> dict:
    client, user, resolution = decision.client, decision.user, decision.resolution
    scope = decision.scope
    with_refresh = OFFLINE_ACCESS in scope  # the decision kept it only where a refresh token is allowed
    family = new_family()
    access_token, expires_in = user_access_token_issue(
        client=client,
        user=user,
        resolution=resolution,
        scope=scope,
        grant_type=decision.grant_type,
        family=family,
    )
    now = timezone.now()
    id_token = None
    if "openid" in scope:
        id_token = user_id_token_issue(client=client, user=user, scope=scope, auth_time=int(now.timestamp()))
    refresh_token = None
    if with_refresh:
        refresh_token = refresh_token_issue(
            client=client,
            user=user,
            audience=resolution.requested_audience or client.tenant.userinfo_audience,
            scope=scope,
            auth_time=now,
            family=family,
        )
    user_record_login(user=user)
    return token_body(
        access_token=access_token,
        expires_in=expires_in,
        scope=scope,
        id_token=id_token,
        refresh_token=refresh_token,
    )
