"""Access and ID tokens for a user, shared by /authorize, the authorization code and refresh token grants.

The token's shape follows only the audience resolution (SPEC section 2): a JWT when an API is among
the audiences, otherwise an opaque userinfo-only token. So the same request gives the same token
whichever flow carries it.
"""

from accounts.selectors import user_permissions
from tokens.decision.audience import Resolution
from tokens.decision.scopes import user_scope
from tokens.issuing.jwt import issue_access_token, issue_id_token
from tokens.issuing.oidc import user_claims
from tokens.storage.opaque import opaque_token_issue

OFFLINE_ACCESS = "offline_access"


def user_scope_decide(*, resolution: Resolution, requested: list[str], user) -> list[str]:
    """The token's scopes for this user: RBAC against the user's permissions when the API enforces it.
    Without a user (a dry run) the permissions are unknown, which the scope steps say."""
    api = resolution.api
    permissions = (
        user_permissions(user=user, resource_server=api)
        if user is not None and api is not None and api.enforce_policies
        else None
    )
    return user_scope(resolution=resolution, requested=requested, permissions=permissions)


def refresh_allowed(*, client, resolution, scope: list[str]) -> bool:
    """offline_access was granted, the client has the refresh_token grant, and the API allows it."""
    api = resolution.api
    return (
        OFFLINE_ACCESS in scope
        and client.allows_grant("refresh_token")
        and (api is None or api.allow_offline_access)
    )


def user_access_token_issue(
    *,
    client,
    user,
    resolution: Resolution,
    scope: list[str],
    grant_type: str,
    lifetime: int | None = None,
    family: str = "",
) -> tuple[str, int]:
    """(access token, expires_in): a JWT for an API, else an opaque token for /userinfo, tied to the
    login's token `family` so that revoking the family (code replay, refresh reuse) ends it too."""
    tenant = client.tenant
    api = resolution.api
    if api is None:
        return opaque_token_issue(
            tenant=tenant,
            client=client,
            user=user,
            scope=scope,
            grant_type=grant_type,
            steps=resolution.steps,
            family=family,
        )
    permissions = sorted(user_permissions(user=user, resource_server=api)) if api.adds_permissions else None
    return issue_access_token(
        tenant=tenant,
        api=api,
        audiences=resolution.audiences,
        client_id=client.client_id,
        subject=user.user_id,
        scope=scope,
        grant_type=grant_type,
        permissions=permissions,
        lifetime=lifetime,
    )


def user_id_token_issue(
    *,
    client,
    user,
    scope: list[str],
    auth_time: int,
    nonce: str | None = None,
    access_token: str | None = None,
    code: str | None = None,
) -> str:
    """An RS256 ID token (SPEC section 3) with auth_time, and nonce/at_hash/c_hash when they apply."""
    return issue_id_token(
        tenant=client.tenant,
        client=client,
        user_claims=user_claims(user, set(scope)),
        nonce=nonce,
        access_token=access_token,
        code=code,
        auth_time=auth_time,
    )


def token_body(*, access_token: str, expires_in: int, scope: list[str], **extra) -> dict:
    """The token endpoint's success body (SPEC section 3); empty extras are left out."""
    body = {"access_token": access_token, "token_type": "Bearer", "expires_in": expires_in}
    if scope:
        body["scope"] = " ".join(scope)
    body.update({k: v for k, v in extra.items() if v})
    return body
