"""Why a token request is refused: one class per SPEC rule (sections 2 and 3).

Each refusal is the protocol error the endpoint answers (its `code`, `status` and Auth0's exact
`error_description`), plus `fix(hints)`: what to change. The explainer, the endpoints and the logs
read these classes, never an error's message text.
"""

from dataclasses import dataclass
from typing import Protocol

from core.exceptions import (
    AccessDenied,
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    UnauthorizedClient,
    UnsupportedGrantType,
)


class ApiDirectory(Protocol):
    def nearest(self, identifier: str) -> str | None: ...
    def any(self) -> str | None: ...


@dataclass(frozen=True)
class Hints:
    """What a fix may reveal. `detailed` (an authenticated confidential client, the admin, the
    explainer) may name the tenant's own configuration; otherwise only the generic rule is said."""

    detailed: bool
    apis: ApiDirectory | None = None


class Refusal:
    """Mixed into a protocol error: the SPEC rule that refused the request, and how to fix it."""

    rule = "refusal"

    def fix(self, hints: Hints) -> str | None:
        return None


class MissingGrantType(Refusal, InvalidRequest):
    rule = "missing_grant_type"

    def __init__(self) -> None:
        super().__init__("Missing required parameter: grant_type")

    def fix(self, hints: Hints) -> str | None:
        return "Send grant_type (client_credentials, password, authorization_code, refresh_token, ...)."


class UnsupportedGrant(Refusal, UnsupportedGrantType):
    rule = "unsupported_grant_type"

    def __init__(self, grant_type: str) -> None:
        super().__init__(f"Unsupported grant type: {grant_type}")
        self.grant_type = grant_type

    def fix(self, hints: Hints) -> str | None:
        return (
            "Authport supports client_credentials, password, "
            "http://auth0.com/oauth/grant-type/password-realm, authorization_code and refresh_token."
        )


class UnknownClient(Refusal, InvalidClient):
    rule = "unknown_client"

    def __init__(self) -> None:
        super().__init__("Client authentication failed: unknown client or wrong client credentials.")

    def fix(self, hints: Hints) -> str | None:
        return "Use the client_id of an application of this tenant, and its current secret."


class GrantTypeNotAllowed(Refusal, UnauthorizedClient):
    rule = "grant_type_not_allowed"

    def __init__(self, grant_type: str) -> None:
        super().__init__(f"Grant type '{grant_type}' not allowed for the client.")
        self.grant_type = grant_type

    def fix(self, hints: Hints) -> str | None:
        return f"Add {self.grant_type} to the application's grant_types."


class PublicClientCredentials(Refusal, UnauthorizedClient):
    rule = "public_client_credentials"

    def __init__(self) -> None:
        super().__init__("A public client cannot use the client_credentials grant.")

    def fix(self, hints: Hints) -> str | None:
        return "Use a confidential application (token_endpoint_auth_method client_secret_post or client_secret_basic)."


class MissingParameter(Refusal, InvalidRequest):
    rule = "missing_parameter"

    def __init__(self, name: str) -> None:
        super().__init__(f"Missing required parameter: {name}")
        self.name = name


class UnknownRealm(Refusal, InvalidRequest):
    rule = "unknown_realm"

    def __init__(self, realm: str, user_database: str) -> None:
        super().__init__(f'Unknown realm "{realm}": this tenant\'s user database is "{user_database}".')
        self.user_database = user_database

    def fix(self, hints: Hints) -> str | None:
        return f"Send realm={self.user_database}, or leave it out."


class AudienceResourceConflict(Refusal, InvalidRequest):
    rule = "audience_resource_conflict"

    def __init__(self, audience: str, resource: str) -> None:
        super().__init__(
            f'The audience ("{audience}") and resource ("{resource}") parameters differ; send one of them.'
        )


class UnknownAudience(Refusal, AccessDenied):
    """SPEC section 2, step 2: the requested audience is no API of this tenant."""

    rule = "unknown_audience"

    def __init__(self, audience: str, *, surface: str = "token") -> None:
        prefix = "Service not found" if surface == "authorize" else "Service not enabled within domain"
        super().__init__(f"{prefix}: {audience}")
        self.audience = audience

    def fix(self, hints: Hints) -> str | None:
        rule = (
            f'"{self.audience}" is not the identifier of any API of this tenant '
            "(identifiers match exactly, including the trailing slash)."
        )
        if not hints.detailed or hints.apis is None:
            return rule
        nearest = hints.apis.nearest(self.audience)
        if nearest:
            return f"{rule} Did you mean {nearest}?"
        return f"{rule} Register the API, or pass the identifier of a registered one."


class NoAudience(Refusal, AccessDenied):
    """SPEC section 2, step 4: client credentials with no audience and no Default Audience."""

    rule = "no_audience"

    def __init__(self) -> None:
        super().__init__("No audience parameter was provided, and no default audience has been configured")

    def fix(self, hints: Hints) -> str | None:
        suggestion = hints.apis.any() if hints.detailed and hints.apis is not None else None
        if suggestion:
            return f"Pass audience={suggestion}."
        return "Pass the identifier of an API as audience, or set the tenant's Default Audience."


class HS256SecondAudience(Refusal, InvalidRequest):
    """SPEC section 2, step 5: an HS256 API cannot share its token with the userinfo audience."""

    rule = "hs256_second_audience"

    def __init__(self, *, api_name: str, identifier: str, origin: str, userinfo: str) -> None:
        super().__init__(
            f'API "{api_name}" ({identifier}), {origin}, signs its tokens with HS256, which can hold only '
            f'one audience, but scope "openid" adds the userinfo audience ({userinfo}). '
            "Either switch the API to an asymmetric algorithm such as RS256, "
            'or drop "openid" from the scope. Nothing was issued.'
        )

    def fix(self, hints: Hints) -> str | None:
        return 'Switch the API to an asymmetric algorithm such as RS256, or drop "openid" from the scope.'


class NoClientGrant(Refusal, AccessDenied):
    """SPEC section 2, step 6."""

    rule = "no_client_grant"

    def __init__(self, audience: str) -> None:
        super().__init__(
            f'Client is not authorized to access "{audience}". '
            'You need to create a "client-grant" associated to this API.'
        )

    def fix(self, hints: Hints) -> str | None:
        return "Create a client grant for this client and API (Management API: POST client-grants, or the admin)."


class RbacDenied(Refusal, InvalidScope):
    """SPEC section 2, step 7."""

    rule = "rbac_denied"

    def __init__(self) -> None:
        super().__init__("User is not authorized to the audience for those scopes")

    def fix(self, hints: Hints) -> str | None:
        return "Give the user the permissions (directly or through a role), or request scopes it holds."


class WrongCredentials(Refusal, InvalidGrant):
    rule = "wrong_credentials"

    def __init__(self, message: str = "Wrong email or password.") -> None:
        super().__init__(message)
