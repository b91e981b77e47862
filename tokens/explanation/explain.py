"""The token explainer (SPEC section 7): why a token request gives a JWT, an opaque token or an error,
and what a presented token is. One function per mode; the API, the admin page and the command all
call them, so every surface gives the same explanation."""

import datetime as dt
import json

import jwt
from django.utils import timezone

from apis.models import ResourceServer
from apis.selectors import resource_server_identifiers, resource_server_nearest_identifier
from clients.models import Client
from core.crypto import sha256_hex
from core.exceptions import AuthportError
from core.models import text_storable
from tenants.hosts import tenant_issuer_accepted
from tenants.keys import is_kid, load_public_key
from tenants.models import SigningKey, Tenant
from tokens.decision.audience import Resolution, Step
from tokens.decision.refusals import Hints, Refusal, UnknownClient
from tokens.decision.scopes import parse_scope
from tokens.decision.token_request import TokenDecision, token_request_decide
from tokens.models import OPAQUE_PREFIX, OpaqueAccessToken
from tokens.verification import InvalidToken, hs256_jwt_verify


def _answer(outcome: dict, steps: list[Step], summary: str, fix: str | None) -> dict:
    return {"outcome": outcome, "steps": [s.as_dict() for s in steps], "summary": summary, "fix": fix}


class TenantApis:
    """The tenant's API identifiers, read once and only when a fix needs them."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self._identifiers: list[str] | None = None

    @property
    def identifiers(self) -> list[str]:
        if self._identifiers is None:
            self._identifiers = resource_server_identifiers(tenant=self.tenant)
        return self._identifiers

    def nearest(self, identifier: str) -> str | None:
        return resource_server_nearest_identifier(identifier, self.identifiers)

    def any(self) -> str | None:
        if len(self.identifiers) > 1:
            return "one of " + ", ".join(self.identifiers)
        return self.identifiers[0] if self.identifiers else None


def detailed_hints(tenant: Tenant) -> Hints:
    """Hints that may name the tenant's configuration: for admins and authenticated confidential clients."""
    return Hints(detailed=True, apis=TenantApis(tenant))


def generic_hints() -> Hints:
    """Hints for public or unauthenticated callers: the rule, never the tenant's configuration."""
    return Hints(detailed=False)


def error_outcome(err: AuthportError) -> dict:
    return {
        "format": None,
        "alg": None,
        "kid": None,
        "audiences": [],
        "scope": None,
        "error": {"status": err.status, "error": err.code, "error_description": err.message},
    }


def refusal_fix(err: AuthportError, hints: Hints) -> str | None:
    """The fix a refusal carries (tokens.decision.refusals); other errors carry none."""
    return err.fix(hints) if isinstance(err, Refusal) else None


def _explain_error(err: AuthportError, steps: list[Step], hints: Hints) -> dict:
    summary = f"The token endpoint would answer {err.status} {err.code}: {err.message}"
    return _answer(error_outcome(err), steps, summary, refusal_fix(err, hints))


def outcome_kid(api) -> str | None:
    """The kid a JWT of this API carries: none for a symmetric (HS256) API."""
    return None if api is None or api.is_symmetric else getattr(api, "current_kid", None)


def decision_outcome(decision: TokenDecision) -> dict:
    """What the token endpoint answers for this decision: format, alg, kid, audiences, scope, error."""
    if decision.refusal is not None:
        return error_outcome(decision.refusal)
    resolution = decision.resolution
    api = resolution.api
    return {
        "format": resolution.format,
        "alg": resolution.alg,
        "kid": outcome_kid(api),
        "audiences": resolution.audiences,
        "scope": " ".join(decision.scope or []),
        "error": None,
    }


def decision_explain(decision: TokenDecision, *, hints: Hints, requested_scope: list[str]) -> dict:
    """SPEC section 7's answer for a decision: the dry run's, and the log's for a real request."""
    if decision.refusal is not None:
        return _explain_error(decision.refusal, decision.steps, hints)
    resolution = decision.resolution
    outcome = decision_outcome(decision)
    if resolution.format == "opaque":
        summary, fix = _explain_opaque(resolution, requested_scope, hints)
    else:
        aud = resolution.audiences[0] if len(resolution.audiences) == 1 else resolution.audiences
        summary = (
            f"A JWT signed with {resolution.alg}"
            + (f" (kid {outcome['kid']})" if outcome["kid"] else "")
            + f", aud {json.dumps(aud)}."
        )
        if resolution.audience_source == "default_audience":
            summary += " The audience came from the tenant's Default Audience, since the request named none."
        fix = None
    return _answer(outcome, decision.steps, summary, fix)


def explain_request(
    *,
    tenant: Tenant,
    grant_type: str,
    client_id: str | None,
    audience: str | None = None,
    resource: str | None = None,
    scope: str | None = None,
) -> dict:
    """A dry run of SPEC section 2 for a token request: nothing is issued and no secret is needed.
    It runs the token endpoint's own decision (tokens.decision.token_request)."""
    hints = detailed_hints(tenant)
    client = (
        Client.objects.for_tenant(tenant)
        .select_related("tenant__default_audience")
        .filter(client_id=client_id or "")
        .first()
    )
    if client is None:
        steps = [Step("client", f"No application of this tenant has client_id {client_id!r}.")]
        return _explain_error(UnknownClient(), steps, hints)
    params = {
        name: value
        for name, value in {
            "grant_type": grant_type,
            "audience": audience,
            "resource": resource,
            "scope": scope,
        }.items()
        if value
    }
    decision = token_request_decide(client=client, params=params, credentials=None)
    return decision_explain(decision, hints=hints, requested_scope=parse_scope(scope))


def _explain_opaque(resolution: Resolution, scopes: list[str], hints: Hints) -> tuple[str, str | None]:
    summary = (
        "No audience was requested and the tenant has no Default Audience, so the token is opaque "
        "and only valid at /userinfo."
        if resolution.audience_source == "none"
        else "The only audience is userinfo, so the token is opaque and only valid at /userinfo."
    )
    if "openid" not in scopes:
        summary += (
            ' The scope has no "openid", so this is not an OpenID Connect request: no ID token is issued, '
            "and /userinfo answers only with what the other scopes release."
        )
    suggestion = hints.apis.any() if hints.detailed and hints.apis is not None else None
    if suggestion:
        fix = f"Pass audience={suggestion} to get a JWT for that API."
    else:
        fix = "Pass the identifier of a registered API as audience (or set the tenant's Default Audience) to get a JWT."
    return summary, fix


def _token_outcome(**values) -> dict:
    outcome = dict.fromkeys(
        (
            "format",
            "alg",
            "kid",
            "key_state",
            "issuer",
            "audiences",
            "scope",
            "expires_at",
            "expired",
            "verifies",
            "ours",
        )
    )
    outcome.update(values)
    return outcome


def explain_token(*, tenant: Tenant, token: str) -> dict:
    """What a presented token is (SPEC section 7): format, key and its state, audiences, expiry, validity."""
    token = token.strip()
    if token.startswith(OPAQUE_PREFIX):
        return _explain_presented_opaque(tenant, token)
    if token.count(".") != 2:
        steps = [
            Step(
                "format",
                "The token is neither a JWT (three dot-separated parts) nor an Authport opaque token.",
            )
        ]
        return _answer(
            _token_outcome(format=None, verifies=False, ours=False),
            steps,
            "This is not a token Authport issued.",
            None,
        )
    return _explain_jwt(tenant, token)


def _explain_presented_opaque(tenant: Tenant, token: str) -> dict:
    record = (
        OpaqueAccessToken.objects.for_tenant(tenant)
        .select_related("client", "user")
        .filter(token_hash=sha256_hex(token))
        .first()
    )
    if record is None:
        steps = [
            Step(
                "lookup",
                f'The token has Authport\'s opaque prefix "{OPAQUE_PREFIX}" but this tenant never issued it (or it was removed).',
            )
        ]
        return _answer(
            _token_outcome(format="opaque", verifies=False, ours=False),
            steps,
            "An opaque token this tenant does not know.",
            None,
        )
    expired = record.expires_at <= timezone.now()
    steps = [Step(s["step"], s["detail"]) for s in record.steps]
    who = record.user.email if record.user else "no user"
    steps.insert(
        0,
        Step(
            "lookup",
            f'Issued by this tenant to application "{record.client.name}" for {who} ({record.grant_type}).',
        ),
    )
    outcome = _token_outcome(
        format="opaque",
        issuer=tenant.issuer,
        audiences=[tenant.userinfo_audience],
        scope=record.scope,
        expires_at=record.expires_at.isoformat(),
        expired=expired,
        verifies=not expired,
        ours=True,
    )
    summary = "An opaque access token: its only audience is userinfo, so it is valid only at /userinfo" + (
        " (it has expired)." if expired else "."
    )
    suggestion = TenantApis(tenant).any()
    fix = (
        f"Request it with audience={suggestion} to get a JWT."
        if suggestion
        else "Request it with the identifier of a registered API as audience to get a JWT."
    )
    return _answer(outcome, steps, summary, fix)


def _expiry(exp: object) -> dt.datetime | None:
    """The `exp` claim as a moment; None when absent or not a representable time (1e300, NaN)."""
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    try:
        return dt.datetime.fromtimestamp(exp, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _explain_jwt(tenant: Tenant, token: str) -> dict:
    steps: list[Step] = []
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
        # Python's json reads NaN and lone surrogates ("\ud800"), which are not JSON (RFC 8259) and
        # would break the answer's own JSON; a token holding them is malformed.
        json.dumps([header, claims], ensure_ascii=False, allow_nan=False).encode()
    except (jwt.InvalidTokenError, ValueError):
        steps.append(
            Step("format", "The token looks like a JWT but its header or payload cannot be decoded.")
        )
        return _answer(
            _token_outcome(format="jwt", verifies=False, ours=False), steps, "A malformed JWT.", None
        )
    alg, kid = header.get("alg"), header.get("kid")
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else ([aud] if aud else [])
    expires_at = _expiry(claims.get("exp"))
    expired = expires_at is not None and expires_at <= timezone.now()
    base = {
        "format": "jwt",
        "alg": alg,
        "kid": kid,
        "issuer": claims.get("iss"),
        "audiences": audiences,
        "scope": claims.get("scope"),
        "expires_at": expires_at.isoformat() if expires_at else None,
        "expired": expired,
    }
    steps.append(Step("header", f"A JWT with alg {alg}" + (f" and kid {kid}." if kid else " and no kid.")))
    if str(alg).lower() == "none":
        steps.append(Step("alg", 'alg "none" means unsigned: Authport never issues or accepts such tokens.'))
        return _answer(
            _token_outcome(**base, verifies=False, ours=False),
            steps,
            "An unsigned JWT (alg none): never valid.",
            None,
        )
    if not tenant_issuer_accepted(tenant, claims.get("iss")):  # any of its hosts (SPEC section 1)
        steps.append(
            Step("issuer", f"Its issuer {claims.get('iss')!r} is not this tenant's ({tenant.issuer}).")
        )
        return _answer(
            _token_outcome(**base, verifies=False, ours=False),
            steps,
            "A JWT from another issuer.",
            "Present it to the issuer that signed it.",
        )
    steps.append(Step("issuer", f"Issued by this tenant ({claims.get('iss')})."))
    key_state, verifies, reason = _verify_ours(tenant, token, alg, kid, audiences)
    steps.append(Step("signature", reason))
    if expired:
        steps.append(Step("expiry", f"It expired at {expires_at.isoformat()}."))
    outcome = _token_outcome(**base, key_state=key_state, verifies=verifies and not expired, ours=True)
    summary = f"A JWT of this tenant signed with {alg}; aud {json.dumps(aud)}; " + (
        "it verifies now." if outcome["verifies"] else "it does not verify now."
    )
    fix = None
    if key_state == "revoked":
        fix = "Its signing key was revoked: request a new token."
    elif expired:
        fix = "Request a new token."
    return _answer(outcome, steps, summary, fix)


def _verify_ours(
    tenant: Tenant, token: str, alg: str, kid: str | None, audiences: list[str]
) -> tuple[str | None, bool, str]:
    """(key_state, signature valid, why) for a JWT claiming this tenant as issuer. No clock leeway."""
    options = {"verify_exp": False, "verify_aud": False}
    if alg == "HS256":
        api = (
            ResourceServer.objects.for_tenant(tenant)
            .filter(identifier__in=[a for a in audiences if text_storable(a)], signing_alg="HS256")
            .first()
        )
        if api is None:
            return None, False, "HS256, but no HS256 API of this tenant is among its audiences."
        try:
            hs256_jwt_verify(tenant=tenant, api=api, token=token, verify_exp=False)
        except InvalidToken as exc:
            return None, False, str(exc)
        return None, True, f"The signature verifies with the signing secret of API {api.identifier}."
    if alg not in ("RS256", "PS256", "ES256"):
        return None, False, f"Authport never signs with {alg}."
    key = SigningKey.objects.for_tenant(tenant).filter(kid=kid).first() if is_kid(kid) else None
    if key is None:
        return "unknown", False, f"No key of this tenant has kid {kid!r}."
    if key.state == SigningKey.State.REVOKED:
        return (
            "revoked",
            False,
            f"Key {kid} was revoked at {key.revoked_at:%Y-%m-%d %H:%M} UTC: tokens it signed no longer verify.",
        )
    public_key = load_public_key(key.kid, json.dumps(key.public_jwk, sort_keys=True))
    try:
        jwt.decode(token, public_key, algorithms=[key.alg], options=options)
    except jwt.InvalidTokenError as exc:
        return key.state, False, f"The signature does not verify with key {kid} ({key.state}): {exc}."
    return key.state, True, f"The signature verifies with key {kid}, which is {key.state}."
