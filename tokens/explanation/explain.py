"""The token explainer (SPEC section 7): why a token request gives a JWT, an opaque token or an error,
and what a presented token is. One function per mode; the API, the admin page and the command all
call them, so every surface gives the same explanation."""

import datetime as dt
import difflib
import json

import jwt
from django.utils import timezone

from apis.models import ResourceServer
from clients.models import Client
from core.crypto import sha256_hex
from core.exceptions import AuthportError, InvalidClient, UnauthorizedClient
from core.models import text_storable
from tenants.keys import is_kid, load_public_key
from tenants.models import SigningKey, Tenant
from tokens.decision.audience import Resolution, Step, audience_resolve
from tokens.decision.scopes import client_credentials_scope, parse_scope, user_scope
from tokens.models import OPAQUE_PREFIX, OpaqueAccessToken
from tokens.verification import InvalidToken, hs256_jwt_verify

USER_GRANTS = (
    "authorization_code",
    "implicit",
    "password",
    "refresh_token",
    Client.GrantType.PASSWORD_REALM,
)


def _answer(outcome: dict, steps: list[Step], summary: str, fix: str | None) -> dict:
    return {"outcome": outcome, "steps": [s.as_dict() for s in steps], "summary": summary, "fix": fix}


def _apis(tenant: Tenant) -> list[str]:
    return list(
        ResourceServer.objects.for_tenant(tenant)
        .filter(is_system=False)
        .order_by("name")
        .values_list("identifier", flat=True)
    )


def _suggest_api(tenant: Tenant, near: str | None = None) -> str | None:
    """The registered identifier closest to `near`; without `near`, the API(s) a user could mean."""
    identifiers = _apis(tenant)
    if near:
        close = difflib.get_close_matches(near, identifiers, n=1, cutoff=0.6)
        return close[0] if close else None
    if len(identifiers) > 1:
        return "one of " + ", ".join(identifiers)
    return identifiers[0] if identifiers else None


def _error_outcome(err: AuthportError) -> dict:
    return {
        "format": None,
        "alg": None,
        "kid": None,
        "audiences": [],
        "scope": None,
        "error": {"status": err.status, "error": err.code, "error_description": err.message},
    }


def _explain_error(
    tenant: Tenant, err: AuthportError, steps: list[Step], requested: str | None, scopes: list[str]
) -> dict:
    summary = f"The token endpoint would answer {err.status} {err.code}: {err.message}"
    fix = None
    if err.message.startswith(("Service not enabled within domain", "Service not found")):
        suggestion = _suggest_api(tenant, near=requested)
        fix = (
            f'"{requested}" is not the identifier of any API of this tenant (identifiers match exactly, '
            "trailing slash included). "
            + (
                f"Did you mean {suggestion}?"
                if suggestion
                else "Register the API, or pass the identifier of a registered one."
            )
        )
    elif "HS256" in err.message and "openid" in err.message:
        fix = 'Switch the API to an asymmetric algorithm such as RS256, or drop "openid" from the scope.'
    elif err.message.startswith("No audience parameter"):
        suggestion = _suggest_api(tenant)
        fix = (
            f"Pass audience={suggestion}."
            if suggestion
            else "Pass the identifier of an API as audience, or set the tenant's Default Audience."
        )
    elif err.message.startswith("Client is not authorized"):
        fix = "Create a client grant for this client and API (Management API: POST client-grants, or the admin)."
    elif isinstance(err, UnauthorizedClient):
        fix = "Add the grant type to the application's grant_types."
    return _answer(_error_outcome(err), steps, summary, fix)


def _kid_for(tenant: Tenant, resolution: Resolution) -> str | None:
    api = resolution.api
    if api is None or api.is_symmetric:
        return None
    return getattr(api, "current_kid", None)


def explain_request(
    *,
    tenant: Tenant,
    grant_type: str,
    client_id: str | None,
    audience: str | None = None,
    resource: str | None = None,
    scope: str | None = None,
) -> dict:
    """A dry run of SPEC section 2 for a token request: nothing is issued and no secret is needed."""
    steps: list[Step] = []
    scopes = parse_scope(scope)
    client = (
        Client.objects.for_tenant(tenant)
        .select_related("tenant__default_audience")
        .filter(client_id=client_id or "")
        .first()
    )
    if client is None:
        steps.append(Step("client", f"No application of this tenant has client_id {client_id!r}."))
        return _explain_error(
            tenant,
            InvalidClient("Client authentication failed: unknown client or wrong client credentials."),
            steps,
            None,
            scopes,
        )
    steps.append(Step("client", f'Application "{client.name}" ({client.client_id}).'))
    if not client.allows_grant(grant_type):
        steps.append(
            Step(
                "grant_type", f"The application's grant types are: {', '.join(client.grant_types) or 'none'}."
            )
        )
        return _explain_error(
            tenant,
            UnauthorizedClient(f"Grant type '{grant_type}' not allowed for the client."),
            steps,
            None,
            scopes,
        )
    acts_for_user = grant_type in USER_GRANTS
    requested = audience or resource
    try:
        resolution = audience_resolve(
            tenant=tenant,
            client=client,
            audience=audience,
            resource=resource,
            scopes=scopes,
            acts_for_user=acts_for_user,
        )
    except AuthportError as err:
        return _explain_error(tenant, err, [*steps, *getattr(err, "steps", [])], requested, scopes)
    resolution.steps[:0] = steps  # the client checks come first; the scope steps append to the same list
    try:
        if acts_for_user:
            granted = user_scope(resolution=resolution, requested=scopes, permissions=None)
        else:
            granted = client_credentials_scope(
                resolution=resolution, requested=scopes, audience=resolution.requested_audience
            )
    except AuthportError as err:
        return _explain_error(tenant, err, resolution.steps, requested, scopes)
    steps = resolution.steps

    outcome = {
        "format": resolution.format,
        "alg": resolution.alg,
        "kid": _kid_for(tenant, resolution),
        "audiences": resolution.audiences,
        "scope": " ".join(granted),
        "error": None,
    }
    if resolution.format == "opaque":
        summary, fix = _explain_opaque(tenant, resolution, scopes)
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
    return _answer(outcome, steps, summary, fix)


def _explain_opaque(tenant: Tenant, resolution: Resolution, scopes: list[str]) -> tuple[str, str | None]:
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
    suggestion = _suggest_api(tenant)
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
    suggestion = _suggest_api(tenant)
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
    if claims.get("iss") != tenant.issuer:
        steps.append(
            Step("issuer", f"Its issuer {claims.get('iss')!r} is not this tenant's ({tenant.issuer}).")
        )
        return _answer(
            _token_outcome(**base, verifies=False, ours=False),
            steps,
            "A JWT from another issuer.",
            "Present it to the issuer that signed it.",
        )
    steps.append(Step("issuer", f"Issued by this tenant ({tenant.issuer})."))
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
