"""Which scopes a token carries: client grants for machines, RBAC for users (SPEC section 2, steps 6-7)."""

import json

from apis.system import CURRENT_USER_SCOPES
from tokens.decision.audience import Resolution, Step, fail
from tokens.decision.refusals import NoClientGrant, RbacDenied
from tokens.issuing.oidc import OIDC_SCOPES


def parse_scope(value: str | None) -> list[str]:
    """Space-separated scope to an ordered list without duplicates."""
    return list(dict.fromkeys((value or "").split()))


def _grant_scope(api) -> list[str]:
    raw = api.client_grant_scope
    if isinstance(raw, str):  # some backends hand JSON subquery values back as text
        raw = json.loads(raw)
    return list(raw or [])


def client_credentials_scope(*, resolution: Resolution, requested: list[str], audience: str) -> list[str]:
    """The client needs a grant for the API; the token gets the requested scopes the grant allows,
    or every granted scope when none is requested (Auth0's behaviour)."""
    api = resolution.api
    if api is None or api.client_grant_scope is None:  # NULL: the client has no grant
        resolution.steps.append(Step("client_grant", f"The client has no client grant for {audience}."))
        raise fail(NoClientGrant(audience), resolution.steps)
    granted = _grant_scope(api)
    if not requested:
        scope = granted
        resolution.steps.append(
            Step("scope", "No scope was requested: the token gets every scope of the client grant.")
        )
    else:
        scope = [s for s in requested if s in granted]
        dropped = [s for s in requested if s not in granted]
        detail = "The token gets the requested scopes that the client grant allows."
        if dropped:
            detail += f" Left out (not in the grant): {' '.join(dropped)}."
        resolution.steps.append(Step("scope", detail))
    return scope


def user_scope(*, resolution: Resolution, requested: list[str], permissions: set[str] | None) -> list[str]:
    """OIDC scopes pass; API scopes must be defined on the API, and under RBAC held by the user.

    `permissions` is None when the user is not known yet (the explainer's dry run).
    """
    api = resolution.api
    oidc = [s for s in requested if s in OIDC_SCOPES]
    if api is None:
        others = [s for s in requested if s not in OIDC_SCOPES]
        if others:
            resolution.steps.append(
                Step("scope", f"No API is in the audience, so API scopes are left out: {' '.join(others)}.")
            )
        return oidc
    if api.is_system:
        return oidc + _current_user_scopes(resolution=resolution, requested=requested)
    defined = set(api.scope_values)
    api_scopes = [s for s in requested if s not in OIDC_SCOPES and s in defined]
    undefined = [s for s in requested if s not in OIDC_SCOPES and s not in defined]
    if undefined:
        resolution.steps.append(
            Step("scope", f"Scopes not defined on API {api.identifier} are left out: {' '.join(undefined)}.")
        )
    if api.enforce_policies and permissions is not None:
        allowed = [s for s in api_scopes if s in permissions]
        if api_scopes and not allowed:
            resolution.steps.append(
                Step("rbac", "RBAC is on and the user holds none of the requested permissions.")
            )
            raise fail(RbacDenied(), resolution.steps)
        if len(allowed) < len(api_scopes):
            missing = " ".join(s for s in api_scopes if s not in allowed)
            resolution.steps.append(
                Step("rbac", f"RBAC is on: left out the permissions the user lacks: {missing}.")
            )
        api_scopes = allowed
    elif api.enforce_policies:
        resolution.steps.append(Step("rbac", "RBAC is on: the user's permissions will limit the API scopes."))
    return oidc + api_scopes


def _current_user_scopes(*, resolution: Resolution, requested: list[str]) -> list[str]:
    """The management audience in a user flow: at most Auth0's current-user scopes (SPEC section 2,
    step 2). Administrative scopes need a client grant, so a user's token never carries them."""
    allowed = [s for s in requested if s in CURRENT_USER_SCOPES]
    dropped = [s for s in requested if s not in OIDC_SCOPES and s not in CURRENT_USER_SCOPES]
    detail = (
        "The management audience is an administrative API: a flow that acts for a user gets at most "
        "the current-user scopes (read:current_user, update:current_user_metadata, ...)."
    )
    if dropped:
        detail += f" Left out: {' '.join(dropped)}."
    resolution.steps.append(Step("management_audience", detail))
    return allowed
