"""The token service's log events (SPEC section 9): Auth0's type codes, and the explanation of the
request as the explainer gives it (`details.explanation`), so any past request can be explained."""

from operator import attrgetter

from django.conf import settings

from clients.models import Client
from core.exceptions import AuthportError
from logs.details import REMEMBERED_CHARS
from logs.recorder import EventContent, event_content, log_event_queue, log_event_record, log_event_unrecorded
from tenants.models import USER_DATABASE
from tokens.decision.scopes import parse_scope
from tokens.decision.token_request import PASSWORD_GRANTS, TokenDecision
from tokens.explanation.explain import decision_explain, error_outcome, outcome_kid, refusal_fix

GrantType = Client.GrantType
# (success, failure) per grant, Auth0's codes.
EXCHANGE_TYPES = {
    GrantType.CLIENT_CREDENTIALS: ("seccft", "feccft"),
    GrantType.PASSWORD: ("sepft", "fepft"),
    GrantType.PASSWORD_REALM: ("sepft", "fepft"),
    GrantType.AUTHORIZATION_CODE: ("seacft", "feacft"),
    GrantType.REFRESH_TOKEN: ("sertft", "fertft"),
}
EXCHANGE_DESCRIPTIONS = {
    GrantType.CLIENT_CREDENTIALS: "Client Credentials for Access Token",
    GrantType.PASSWORD: "Password for Access Token",
    GrantType.PASSWORD_REALM: "Password for Access Token",
    GrantType.AUTHORIZATION_CODE: "Authorization Code for Access Token",
    GrantType.REFRESH_TOKEN: "Refresh Token for Access Token",
}
# What a log may show of a token request: never a secret, password, code, verifier or token.
SHOWN_PARAMETERS = ("grant_type", "client_id", "audience", "resource", "scope", "realm", "redirect_uri")


def shown_params(params: dict[str, str]) -> dict[str, str]:
    return {name: params[name] for name in SHOWN_PARAMETERS if name in params}


def _type_for(grant_type: str | None, ok: bool) -> str:
    success, failure = EXCHANGE_TYPES.get(grant_type, ("", "f"))
    return success if ok else failure


_STEP_TEXT = attrgetter("step", "detail")


class _RepeatedExchanges:
    """The event content of a client_credentials JWT issued again for the same request, kept per process.

    Most token traffic is a machine asking for the same token over and over; each such event differs
    only in its id, time and connection (ip, user agent, host), and building its explanation again
    was most of what an event cost the request. The key holds everything the event is made of: the
    request's shown parameters, the client's id and name, every step's text, the outcome (format,
    alg, kid, audiences, scope) and where the audience came from; a change to any of them (a rotated
    key, a renamed client, another scope) is another key. Bounded: when full it starts again.
    """

    LIMIT = 1024

    def __init__(self) -> None:
        self._contents: dict[tuple, EventContent] = {}

    @staticmethod
    def key(decision: TokenDecision, params: dict, error: AuthportError | None) -> tuple | None:
        resolution = decision.resolution
        if (
            error is not None
            or decision.refusal is not None
            or decision.grant_type != GrantType.CLIENT_CREDENTIALS
            or resolution is None
            or resolution.format != "jwt"
        ):
            return None
        return (
            decision.client.client_id,
            decision.client.name,
            tuple(map(params.get, SHOWN_PARAMETERS)),
            tuple(map(_STEP_TEXT, decision.steps)),
            resolution.requested_audience,
            resolution.audience_source,
            # the outcome (explain.decision_outcome reads the same): alg, kid, audiences, scope
            resolution.alg,
            outcome_kid(resolution.api),
            tuple(resolution.audiences),
            tuple(decision.scope or ()),
        )

    def get(self, key: tuple | None) -> EventContent | None:
        return None if key is None else self._contents.get(key)

    def keep(self, key: tuple, content: EventContent) -> None:
        if len(content.details_text) > REMEMBERED_CHARS:  # a long scope, say: memory per entry stays small
            return
        if len(self._contents) >= self.LIMIT:
            self._contents = {}
        self._contents[key] = content


_repeated_exchanges = _RepeatedExchanges()


def exchange_event_record(
    *, request, decision: TokenDecision, params: dict, ip: str, hints, error: AuthportError | None = None
) -> str:
    """An exchange's event: `error` is the refusal, or an error raised while issuing."""
    if not settings.LOG_EVENTS_ENABLED:  # the benchmark's baseline: not even built (logs.recorder)
        return log_event_unrecorded()
    tenant = decision.client.tenant
    key = _repeated_exchanges.key(decision, params, error)
    content = _repeated_exchanges.get(key)
    if content is None:
        fields = _exchange_event_fields(decision=decision, params=params, hints=hints, error=error)
        if key is None:
            return log_event_record(tenant=tenant, request=request, ip=ip, **fields)
        content = event_content(**fields)  # an explanation is all text: JSON always holds it
        _repeated_exchanges.keep(key, content)
    return log_event_queue(content, tenant=tenant, request=request, ip=ip)


def _exchange_event_fields(
    *, decision: TokenDecision, params: dict, hints, error: AuthportError | None
) -> dict:
    client = decision.client
    explanation = decision_explain(decision, hints=hints, requested_scope=parse_scope(params.get("scope")))
    if error is not None and decision.refusal is None:  # failed while issuing (a concurrent replay)
        explanation = {**explanation, "outcome": error_outcome(error), "fix": refusal_fix(error, hints)}
    user = decision.user
    resolution = decision.resolution
    password_grant = decision.grant_type in PASSWORD_GRANTS
    return dict(
        type=_type_for(decision.grant_type, error is None),
        description=EXCHANGE_DESCRIPTIONS.get(decision.grant_type, "Token exchange")
        if error is None
        else error.message,
        client_id=client.client_id,
        client_name=client.name,
        user_id=getattr(user, "user_id", ""),
        user_name=getattr(user, "email", "") or (params.get("username", "") if password_grant else ""),
        audience=(resolution.requested_audience or "") if resolution else (params.get("audience") or ""),
        scope=" ".join(decision.scope or []) if error is None else (params.get("scope") or ""),
        strategy="auth0" if password_grant else "",
        strategy_type="database" if password_grant else "",
        connection_name=USER_DATABASE if password_grant else "",
        details={"request": shown_params(params), "explanation": explanation},
    )


def unauthenticated_exchange_record(*, request, tenant, params: dict, error: AuthportError, ip: str) -> str:
    """A request whose client did not authenticate: recorded without anything it could not prove
    (no client_id or client_name, no audience or user)."""
    request_shown = {k: v for k, v in shown_params(params).items() if k != "client_id"}
    explanation = {
        "outcome": error_outcome(error),
        "steps": [{"step": "client", "detail": "The client did not authenticate; nothing else was decided."}],
        "summary": f"The token endpoint answered {error.status} {error.code}: {error.message}",
        "fix": "Send the client_id and current secret of an application of this tenant.",
    }
    return log_event_record(
        tenant=tenant,
        type=_type_for(params.get("grant_type"), False),
        description=error.message,
        request=request,
        ip=ip,
        details={"request": request_shown, "explanation": explanation},
    )
