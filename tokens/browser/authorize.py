"""The authorization request (RFC 6749 section 4, OIDC Core 3, OAuth 2.0 Multiple Response Types).

Parsing happens in two stages, because where an error goes depends on how far parsing got:
`authorize_target` finds the client and checks redirect_uri; until it succeeds an error is shown
on Authport's own page (never a redirect to an unchecked URI). After it, `authorize_request_parse`
raises AuthportErrors that are delivered to the client through the response mode.
`authorize_complete` issues the response for a signed-in user.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.utils import timezone

from clients.models import Client
from core.exceptions import AccessDenied, InvalidRequest, UnauthorizedClient
from tokens.decision.audience import Resolution, audience_resolve
from tokens.decision.scopes import parse_scope
from tokens.errors import AuthorizePageError, UnsupportedResponseType
from tokens.issuing.user_tokens import (
    OFFLINE_ACCESS,
    user_access_token_issue,
    user_id_token_issue,
    user_scope_decide,
)
from tokens.models import AuthorizationCode
from tokens.storage.codes import authorization_code_issue

RESPONSE_TYPES = {
    frozenset({"code"}),
    frozenset({"token"}),
    frozenset({"id_token"}),
    frozenset({"token", "id_token"}),
    frozenset({"code", "id_token"}),
}
RESPONSE_MODES = ("query", "fragment", "form_post", "web_message")
PROMPTS = frozenset({"none", "login", "consent", "select_account"})
S256_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
NONCE_MAX_LENGTH = AuthorizationCode._meta.get_field("nonce").max_length


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass
class Target:
    """Where and how the response (or an error) goes: the checked redirect_uri and response mode."""

    client: Client
    redirect_uri: str
    response_mode: str
    state: str | None


@dataclass
class AuthorizeRequest:
    target: Target
    response_types: frozenset[str]
    scope: list[str]
    resolution: Resolution
    nonce: str | None
    prompt: frozenset[str]
    max_age: int | None
    code_challenge: str | None
    params: dict[str, str] = field(default_factory=dict)

    @property
    def client(self) -> Client:
        return self.target.client


def _default_mode(response_type: str | None) -> str:
    """Code alone answers in the query; any token in the front channel goes in the fragment."""
    types = set((response_type or "").split())
    return "fragment" if types & {"token", "id_token"} else "query"


def authorize_target(*, tenant, params: dict[str, str]) -> Target:
    """The client and its exactly registered redirect_uri, or AuthorizePageError (SPEC section 2, step 2)."""
    client_id = params.get("client_id")
    if not client_id:
        raise AuthorizePageError("Missing required parameter: client_id")
    client = Client.objects.for_tenant(tenant).filter(client_id=client_id).first()
    if client is None:
        raise AuthorizePageError(f"Unknown client: {client_id}")
    client.tenant = tenant  # the same object, with its Default Audience already loaded
    redirect_uri = params.get("redirect_uri")
    if not redirect_uri:
        raise AuthorizePageError("Missing required parameter: redirect_uri")
    if redirect_uri not in (client.callbacks or []):
        raise AuthorizePageError(
            f'The redirect_uri "{redirect_uri}" is not in the list of allowed callback URLs of the application.'
        )
    mode = params.get("response_mode")
    if mode not in RESPONSE_MODES:
        mode = _default_mode(params.get("response_type"))
    if mode == "web_message":
        origins = {o.rstrip("/").lower() for o in client.web_origins or []}
        if origin_of(redirect_uri) not in origins:
            raise AuthorizePageError(
                f'response_mode=web_message: the origin "{origin_of(redirect_uri)}" is not in the '
                "application's allowed web origins."
            )
    return Target(client=client, redirect_uri=redirect_uri, response_mode=mode, state=params.get("state"))


def _prompt(value: str | None) -> frozenset[str]:
    prompt = frozenset((value or "").split())
    unknown = prompt - PROMPTS
    if unknown:
        raise InvalidRequest(f"Unsupported prompt value: {' '.join(sorted(unknown))}")
    if "none" in prompt and len(prompt) > 1:
        raise InvalidRequest("prompt=none cannot be combined with other prompt values.")
    return prompt


def _max_age(value: str | None) -> int | None:
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{1,10}", value):
        raise InvalidRequest("max_age must be a non-negative number of seconds.")
    return int(value)


def _pkce(*, client: Client, params: dict[str, str], uses_code: bool) -> str | None:
    """RFC 7636: S256 only; public clients must use it for any response that carries a code."""
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if challenge is None:
        if method is not None:
            raise InvalidRequest("code_challenge_method was sent without a code_challenge.")
        if uses_code and client.is_public:
            raise InvalidRequest(
                "A public client must send a PKCE code_challenge (code_challenge_method=S256)."
            )
        return None
    if method != "S256":
        raise InvalidRequest(
            f"Unsupported code_challenge_method: {method or 'plain (the default)'}; only S256 is allowed."
        )
    if not S256_CHALLENGE.match(challenge):
        raise InvalidRequest(
            "code_challenge must be the 43-character base64url SHA-256 of the code_verifier."
        )
    return challenge


def authorize_request_parse(*, target: Target, params: dict[str, str]) -> AuthorizeRequest:
    """Validate the rest of the request and resolve its audience (SPEC section 2, surface "authorize")."""
    client = target.client
    response_type = params.get("response_type")
    if not response_type:
        raise InvalidRequest("Missing required parameter: response_type")
    types = frozenset(response_type.split())
    if types not in RESPONSE_TYPES:
        raise UnsupportedResponseType(f"Unsupported response_type: {response_type}")
    mode = params.get("response_mode")
    if mode is not None and mode not in RESPONSE_MODES:
        raise InvalidRequest(f"Unsupported response_mode: {mode}")
    if target.response_mode == "query" and types & {"token", "id_token"}:
        raise InvalidRequest(
            "response_mode=query cannot carry tokens; use fragment, form_post or web_message."
        )
    if "code" in types and not client.allows_grant(Client.GrantType.AUTHORIZATION_CODE):
        raise UnauthorizedClient("Grant type 'authorization_code' not allowed for the client.")
    if types & {"token", "id_token"} and not client.allows_grant(Client.GrantType.IMPLICIT):
        raise UnauthorizedClient("Grant type 'implicit' not allowed for the client.")
    scope = parse_scope(params.get("scope"))
    nonce = params.get("nonce")
    if nonce is not None and len(nonce) > NONCE_MAX_LENGTH:  # the code stores it
        raise InvalidRequest(f"The nonce is longer than {NONCE_MAX_LENGTH} characters.")
    if "id_token" in types:
        if "openid" not in scope:
            raise InvalidRequest('response_type id_token requires the "openid" scope.')
        if not nonce:
            raise InvalidRequest("Missing required parameter: nonce (required when an id_token is returned).")
    prompt = _prompt(params.get("prompt"))
    max_age = _max_age(params.get("max_age"))
    code_challenge = _pkce(client=client, params=params, uses_code="code" in types)
    resolution = audience_resolve(
        tenant=client.tenant,
        client=client,
        audience=params.get("audience"),
        resource=params.get("resource"),
        scopes=scope,
        acts_for_user=True,
        surface="authorize",
    )
    return AuthorizeRequest(
        target=target,
        response_types=types,
        scope=scope,
        resolution=resolution,
        nonce=nonce,
        prompt=prompt,
        max_age=max_age,
        code_challenge=code_challenge,
        params=params,
    )


def session_satisfies(*, request: AuthorizeRequest, auth_time) -> bool:
    """Whether an SSO session signed in at `auth_time` may answer without the login form."""
    if "login" in request.prompt:
        return False
    if request.max_age is not None:
        return (timezone.now() - auth_time).total_seconds() <= request.max_age
    return True


def authorize_complete(*, request: AuthorizeRequest, user, auth_time) -> tuple[dict[str, str], list[str]]:
    """The response parameters for a signed-in user (code and/or tokens, and state), and the scope
    decided for the user."""
    client = request.client
    if user.blocked:
        raise AccessDenied("user is blocked")
    resolution = request.resolution
    scope = user_scope_decide(resolution=resolution, requested=request.scope, user=user)
    types = request.response_types
    response: dict[str, str] = {}
    code = access_token = None
    if "code" in types:
        code = authorization_code_issue(
            client=client,
            user=user,
            redirect_uri=request.target.redirect_uri,
            # Stored explicitly, so the exchange resolves the same way even if the Default Audience changes.
            audience=resolution.requested_audience or client.tenant.userinfo_audience,
            scope=scope,
            nonce=request.nonce,
            code_challenge=request.code_challenge,
            auth_time=auth_time,
            steps=resolution.steps,
        )
        response["code"] = code
    if "token" in types:
        front_scope = [s for s in scope if s != OFFLINE_ACCESS]  # no refresh token in the front channel
        api = resolution.api
        access_token, expires_in = user_access_token_issue(
            client=client,
            user=user,
            resolution=resolution,
            scope=front_scope,
            grant_type="implicit",
            lifetime=api.token_lifetime_for_web if api is not None else None,
        )
        response.update(
            access_token=access_token,
            token_type="Bearer",
            expires_in=str(expires_in),
            scope=" ".join(front_scope),
        )
    if "id_token" in types:
        response["id_token"] = user_id_token_issue(
            client=client,
            user=user,
            scope=scope,
            auth_time=int(auth_time.timestamp()),
            nonce=request.nonce,
            access_token=access_token,
            code=code,
        )
    if request.target.state is not None:
        response["state"] = request.target.state
    return response, scope
