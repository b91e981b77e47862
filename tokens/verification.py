"""Verifying access tokens Authport issued, as a strict resource server would (SPEC section 3).

The algorithm comes from our own key, never from the token header alone: `none` and HS256 with
a public key are refused, and there is no clock leeway, since Authport is the issuer.
"""

from dataclasses import dataclass

import jwt

from tenants.models import Tenant
from tokens.keyring import verification_key
from tokens.models import OPAQUE_PREFIX
from tokens.opaque import opaque_token_find

ASYMMETRIC_ALGS = ("RS256", "PS256", "ES256")


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class VerifiedToken:
    subject: str
    scopes: set[str]
    client_id: str | None
    claims: dict
    opaque: object | None = None


def jwt_verify(*, tenant: Tenant, token: str, audience: str) -> dict:
    """Claims of a JWT signed by one of the tenant's published keys for `audience`, or InvalidToken."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise InvalidToken("The token is malformed.") from exc
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ASYMMETRIC_ALGS or not isinstance(kid, str):
        raise InvalidToken(f"Tokens signed with {alg} and no key id are not accepted here.")
    found = verification_key(tenant_id=tenant.pk, kid=kid)
    if found is None:
        raise InvalidToken("The token's signing key is not one of this tenant's keys (unknown or revoked).")
    key_row, public_key = found
    if key_row.alg != alg:
        raise InvalidToken("The token's algorithm does not match its key.")
    try:
        return jwt.decode(
            token, public_key, algorithms=[key_row.alg], audience=audience, issuer=tenant.issuer, leeway=0,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("The token has expired.") from exc
    except jwt.InvalidTokenError as exc:
        raise InvalidToken(f"The token is invalid: {exc}.") from exc


def userinfo_token_verify(*, tenant: Tenant, token: str) -> VerifiedToken:
    """An opaque token of this tenant, or a JWT whose audience includes this tenant's userinfo."""
    if token.startswith(OPAQUE_PREFIX):
        record = opaque_token_find(tenant=tenant, token=token)
        if record is None or record.user is None:
            raise InvalidToken("The access token is unknown, expired, or not valid for this tenant.")
        return VerifiedToken(
            subject=record.user.user_id, scopes=set(record.scope.split()), client_id=record.client.client_id,
            claims={}, opaque=record,
        )
    claims = jwt_verify(tenant=tenant, token=token, audience=tenant.userinfo_audience)
    return VerifiedToken(
        subject=claims["sub"], scopes=set(str(claims.get("scope", "")).split()),
        client_id=claims.get("azp") or claims.get("client_id"), claims=claims,
    )
