"""The one decision of a token endpoint request (SPEC sections 2, 3 and 7).

`/oauth/token` and the explainer's dry run both call `token_request_decide`, so they agree by
construction. The decision reads and records its steps; what only the real request holds (a
password, a code, a refresh token) is checked by the `credentials` the endpoint passes in. A dry
run passes none, and each such check becomes a named step instead of a guess.
"""

from dataclasses import dataclass, field
from typing import Protocol

from clients.models import Client
from core.exceptions import AuthportError
from tenants.models import USER_DATABASE
from tokens.decision.audience import Resolution, Step, audience_resolve
from tokens.decision.refusals import (
    GrantTypeNotAllowed,
    MissingGrantType,
    MissingParameter,
    PublicClientCredentials,
    UnknownRealm,
    UnsupportedGrant,
)
from tokens.decision.scopes import client_credentials_scope, parse_scope
from tokens.issuing.user_tokens import OFFLINE_ACCESS, refresh_allowed, user_scope_decide

GrantType = Client.GrantType
PASSWORD_GRANTS = (GrantType.PASSWORD, GrantType.PASSWORD_REALM)
STORED_GRANTS = (GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN)
SUPPORTED_GRANTS = (GrantType.CLIENT_CREDENTIALS, *PASSWORD_GRANTS, *STORED_GRANTS)
USER_GRANTS = (*PASSWORD_GRANTS, *STORED_GRANTS, "implicit")


class Credentials(Protocol):
    """The real request's secrets, checked by the endpoint. Each raises a refusal when they fail."""

    def user_for_password(self, *, username: str, password: str): ...

    def stored_grant(self, *, grant_type: str, params: dict[str, str]): ...


@dataclass
class TokenDecision:
    """What a token request comes to: the resolution and scope, or the refusal, and every step."""

    client: Client
    grant_type: str | None
    steps: list[Step] = field(default_factory=list)
    resolution: Resolution | None = None
    scope: list[str] | None = None
    user: object = None
    stored: object = None  # the authorization code or refresh token the request presented
    refusal: AuthportError | None = None

    @property
    def acts_for_user(self) -> bool:
        return self.grant_type in USER_GRANTS


def token_request_decide(
    *, client: Client, params: dict[str, str], credentials: Credentials | None
) -> TokenDecision:
    """Decide a token request of an identified client. Never raises for a refusal: it is recorded in
    `decision.refusal`, with the steps that led to it."""
    decision = TokenDecision(
        client=client,
        grant_type=params.get("grant_type"),
        steps=[Step("client", f'Application "{client.name}" ({client.client_id}).')],
    )
    try:
        _decide(decision, params, credentials)
    except AuthportError as err:
        decision.refusal = err
        more = getattr(err, "steps", None)
        if more and more is not decision.steps:
            decision.steps.extend(more)
    return decision


def _decide(decision: TokenDecision, params: dict[str, str], credentials: Credentials | None) -> None:
    client, grant_type, steps = decision.client, decision.grant_type, decision.steps
    if not grant_type:
        raise MissingGrantType()
    if grant_type not in SUPPORTED_GRANTS:
        steps.append(Step("grant_type", f"{grant_type!r} is not a grant type Authport supports."))
        raise UnsupportedGrant(grant_type)
    if not client.allows_grant(grant_type):
        allowed = ", ".join(client.grant_types) or "none"
        steps.append(Step("grant_type", f"The application's grant types are: {allowed}."))
        raise GrantTypeNotAllowed(grant_type)
    if grant_type == GrantType.CLIENT_CREDENTIALS and client.is_public:
        raise PublicClientCredentials()

    audience, resource = params.get("audience"), params.get("resource")
    requested = parse_scope(params.get("scope"))
    stored_in = None
    if grant_type in PASSWORD_GRANTS:
        _password_checks(grant_type, params, credentials, steps)
    elif grant_type in STORED_GRANTS:
        audience, resource, requested = _stored_grant(decision, params, credentials)
        if decision.stored is not None:
            stored_in = (
                "authorization code" if grant_type == GrantType.AUTHORIZATION_CODE else "refresh token"
            )

    resolution = audience_resolve(
        tenant=client.tenant,
        client=client,
        audience=audience,
        resource=resource,
        scopes=requested,
        acts_for_user=decision.acts_for_user,
        stored_in=stored_in,
    )
    resolution.steps[:0] = decision.steps  # one list from here on: later steps and refusals append to it
    decision.steps = resolution.steps
    decision.resolution = resolution

    if grant_type == GrantType.CLIENT_CREDENTIALS:
        decision.scope = client_credentials_scope(
            resolution=resolution, requested=requested, audience=resolution.requested_audience
        )
        return
    if grant_type in PASSWORD_GRANTS and credentials is not None:
        # After the audience, as Auth0 answers: an unknown API is refused before any password check.
        decision.user = credentials.user_for_password(
            username=params["username"], password=params["password"]
        )
    decision.scope = user_scope_decide(resolution=resolution, requested=requested, user=decision.user)
    if grant_type != GrantType.REFRESH_TOKEN:
        _offline_access_decide(decision)


def _offline_access_decide(decision: TokenDecision) -> None:
    """offline_access stays in the scope only when a refresh token will be issued with it."""
    if OFFLINE_ACCESS in decision.scope and not refresh_allowed(
        client=decision.client, resolution=decision.resolution, scope=decision.scope
    ):
        decision.scope = [s for s in decision.scope if s != OFFLINE_ACCESS]
        decision.steps.append(
            Step(
                "offline_access",
                "offline_access is left out, so no refresh token: it needs the application's refresh_token "
                "grant and, for an API, its Allow Offline Access setting.",
            )
        )


def _password_checks(
    grant_type: str, params: dict, credentials: Credentials | None, steps: list[Step]
) -> None:
    if grant_type == GrantType.PASSWORD_REALM:
        # The tenant has one user database; a realm-less request (auth0-python's `login` default) means it.
        realm = params.get("realm", USER_DATABASE)
        if realm != USER_DATABASE:
            raise UnknownRealm(realm, USER_DATABASE)
    if credentials is None:
        steps.append(
            Step(
                "password",
                "The user's password is checked at the token endpoint; a dry run cannot know it "
                "(a wrong one is 400 invalid_grant; 10 in a row from one address, 429 too_many_attempts).",
            )
        )
        return
    for name in ("username", "password"):
        if not params.get(name):
            raise MissingParameter(name)


def _stored_grant(decision: TokenDecision, params: dict, credentials: Credentials | None):
    """The audience and scope of a code or refresh token: what it stored, never the request's."""
    grant_type = decision.grant_type
    what = "authorization code" if grant_type == GrantType.AUTHORIZATION_CODE else "refresh token"
    if credentials is None:
        decision.steps.append(
            Step(
                grant_type,
                f"The {what} carries the audience and scope its login resolved; a dry run cannot see it, "
                "so it resolves the audience and scope given here as that login would have.",
            )
        )
        return params.get("audience"), params.get("resource"), parse_scope(params.get("scope"))
    stored = credentials.stored_grant(grant_type=grant_type, params=params)
    decision.stored, decision.user = stored, stored.user
    granted = parse_scope(stored.scope)
    if grant_type == GrantType.REFRESH_TOKEN:
        requested = parse_scope(params.get("scope")) or granted
    else:
        requested = granted
    # Why the login resolved that audience, as /authorize recorded it (codes keep their steps).
    for earlier in getattr(stored, "steps", None) or []:
        decision.steps.append(Step(f"authorize_{earlier['step']}", f"At /authorize: {earlier['detail']}"))
    # The stored audience, never the request's nor today's Default Audience: the format stays the same.
    return stored.audience, None, requested
