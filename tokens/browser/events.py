"""Log events of the browser flows (SPEC section 9): logins (`s`, `f`, `fp`, `fu`, `limit_wc`),
silent authentication (`ssa`, `fsa`) and logout (`slo`, `flo`). A successful or refused /authorize
carries the explanation of what it resolved, as the explainer gives it."""

from core.exceptions import AuthportError
from core.http import client_ip
from logs.recorder import log_event_record
from tenants.models import USER_DATABASE
from tokens.decision.audience import Step
from tokens.decision.token_request import TokenDecision
from tokens.explanation.explain import decision_explain, detailed_hints
from tokens.params import params_from_querydict

DATABASE_LOGIN = {"strategy": "auth0", "strategy_type": "database", "connection_name": USER_DATABASE}
SHOWN_AUTHORIZE_PARAMETERS = (
    "client_id",
    "response_type",
    "response_mode",
    "redirect_uri",
    "audience",
    "resource",
    "scope",
    "prompt",
    "max_age",
)


def _shown(params: dict) -> dict:
    return {name: params[name] for name in SHOWN_AUTHORIZE_PARAMETERS if name in params}


def renewal_step(*, requested: str, first: str) -> Step | None:
    """Seed scenario 000: a silent renewal for another audience than the login's first token."""
    if not first or requested == first:
        return None
    return Step(
        "renewal_audience",
        f"This renewal resolves to {requested}, but the first token of this login was for {first}: "
        "the renewal did not ask for the same audience (pass the same audience to getTokenSilently / "
        "checkSession as to the login).",
    )


def authorize_event_record(
    *,
    request,
    auth_request,
    user,
    scope: list[str] | None,
    silent: bool,
    first_audience: str = "",
    error: AuthportError | None = None,
) -> str:
    """An /authorize answer: `ssa`/`fsa` when silent (prompt=none), else `s`/`f`."""
    client = auth_request.client
    resolution = auth_request.resolution
    steps = list(resolution.steps)
    step = renewal_step(
        requested=resolution.requested_audience or client.tenant.userinfo_audience, first=first_audience
    )
    if step is not None and silent:
        steps.append(step)
    grant = "authorization_code" if "code" in auth_request.response_types else "implicit"
    decision = TokenDecision(
        client=client,
        grant_type=grant,
        steps=steps,
        resolution=resolution,
        scope=scope,
        user=user,
        refusal=error,
    )
    explanation = decision_explain(
        decision, hints=detailed_hints(client.tenant), requested_scope=auth_request.scope
    )
    ok = error is None
    kind = ("ssa" if ok else "fsa") if silent else ("s" if ok else "f")
    return log_event_record(
        tenant=client.tenant,
        type=kind,
        description=("Successful silent authentication" if silent else "Successful login")
        if ok
        else error.message,
        request=request,
        ip=client_ip(request),
        client_id=client.client_id,
        client_name=client.name,
        user_id=getattr(user, "user_id", ""),
        user_name=getattr(user, "email", ""),
        audience=resolution.requested_audience or client.tenant.userinfo_audience,
        scope=" ".join(scope or auth_request.scope),
        details={"request": _shown(auth_request.params), "explanation": explanation},
        **DATABASE_LOGIN,
    )


def login_failure_record(*, request, auth_request, email: str, kind: str, description: str) -> str:
    """A refused login form: `fp` wrong password, `fu` unknown user, `limit_wc` blocked, `f` other."""
    client = auth_request.client
    return log_event_record(
        tenant=client.tenant,
        type=kind,
        description=description,
        request=request,
        ip=client_ip(request),
        client_id=client.client_id,
        client_name=client.name,
        user_name=email,
        details={"request": _shown(auth_request.params)},
        **DATABASE_LOGIN,
    )


def logout_record(*, request, tenant, client, ok: bool, description: str) -> str:
    try:
        shown = {
            k: v for k, v in params_from_querydict(request.GET).items() if k in ("client_id", "returnTo")
        }
    except AuthportError:
        shown = {}
    return log_event_record(
        tenant=tenant,
        type="slo" if ok else "flo",
        description=description,
        request=request,
        ip=client_ip(request),
        client_id=client.client_id if client is not None else "",
        client_name=client.name if client is not None else "",
        details={"request": shown},
    )
