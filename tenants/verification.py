"""Verifying JWTs signed with a tenant's keys, as a strict resource server would (SPEC section 3).

The algorithm comes from our own key, never from the token header alone: `none` and HS256 with
a public key are refused, and there is no clock leeway, since Authport is the issuer.
"""

import json

import jwt

from core.prepared import PreparedQuery
from tenants.hosts import tenant_issuer_accepted
from tenants.keys import is_kid, load_public_key
from tenants.models import SigningKey, Tenant

ASYMMETRIC_ALGS = ("RS256", "PS256", "ES256")


class InvalidToken(Exception):
    pass


def _published_key_query(*, tenant_id: int, kid: str):
    return (
        SigningKey.objects.filter(tenant_id=tenant_id, kid=kid, state__in=SigningKey.PUBLISHED_STATES)
        .only("kid", "alg", "state", "public_jwk")
        .order_by()[:1]
    )


_PUBLISHED_KEY = PreparedQuery(SigningKey, _published_key_query, tenant_id=int, kid=str)


def verification_key(*, tenant_id: int, kid: str) -> tuple[SigningKey, object] | None:
    """A published (next, current or previous) key of the tenant and its public key object.

    The row is read each time, so a revoked key stops verifying at once; the parsed key is cached by kid.
    """
    found = _PUBLISHED_KEY.run(tenant_id=tenant_id, kid=kid)
    if not found:
        return None
    row = found[0]
    return row, load_public_key(row.kid, json.dumps(row.public_jwk, sort_keys=True))


def issuer_check(*, tenant: Tenant, claims: dict) -> None:
    """The token's `iss` must be one of the tenant's issuers: it may have been issued through any of
    its hosts (path-based, tenant host, ready custom domain), and all of them are Authport's own."""
    if not tenant_issuer_accepted(tenant, claims.get("iss")):
        got = json.dumps(claims.get("iss"))[:300]
        raise InvalidToken(f"The token's issuer is {got}, expected {tenant.issuer}.")


def _audience_check(*, tenant: Tenant, claims: dict, audience_path: str) -> None:
    """`aud` must hold `{issuer}{audience_path}` for one of the tenant's issuers (its userinfo audience
    as issued through any of its hosts)."""
    aud = claims.get("aud")
    values = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    for value in values:
        if isinstance(value, str) and value.endswith(audience_path):
            if tenant_issuer_accepted(tenant, value[: -len(audience_path)]):
                return
    raise InvalidToken(
        f"The token's audience is {json.dumps(aud)[:300]}, expected {tenant.issuer}{audience_path}."
    )


def jwt_verify(
    *, tenant: Tenant, token: str, audience: str | None = None, audience_path: str | None = None
) -> dict:
    """Claims of a JWT signed by one of the tenant's published keys, issued by one of its issuers, for
    `audience` (exactly), or for `{issuer}{audience_path}` of any of its issuers; or InvalidToken."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise InvalidToken("The token is malformed.") from exc
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ASYMMETRIC_ALGS:
        # The header's alg is not echoed: it is the caller's text, and ends up in WWW-Authenticate.
        raise InvalidToken(f"Only tokens signed with {', '.join(ASYMMETRIC_ALGS)} are accepted here.")
    if not is_kid(kid):
        raise InvalidToken("The token's signing key is not one of this tenant's keys (no or unknown kid).")
    found = verification_key(tenant_id=tenant.pk, kid=kid)
    if found is None:
        raise InvalidToken("The token's signing key is not one of this tenant's keys (unknown or revoked).")
    key_row, public_key = found
    if key_row.alg != alg:
        raise InvalidToken("The token's algorithm does not match its key.")
    try:
        claims = jwt.decode(
            token,
            public_key,
            algorithms=[key_row.alg],
            audience=audience,
            leeway=0,
            options={"require": ["iss", "sub", "aud", "exp", "iat"], "verify_aud": audience is not None},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("The token has expired.") from exc
    except jwt.InvalidAudienceError as exc:
        got = _unverified_claim(token, "aud")
        raise InvalidToken(f"The token's audience is {got}, expected {audience}.") from exc
    except jwt.InvalidTokenError as exc:
        raise InvalidToken(f"The token is invalid: {exc}.") from exc
    issuer_check(tenant=tenant, claims=claims)
    if audience is None:
        _audience_check(tenant=tenant, claims=claims, audience_path=audience_path or "")
    return claims


def _unverified_claim(token: str, name: str) -> str:
    """A claim for an error message only (the signature verified; the claim did not match)."""
    try:
        value = jwt.decode(token, options={"verify_signature": False}).get(name)
    except jwt.InvalidTokenError:
        return "unreadable"
    return json.dumps(value)[:300]
