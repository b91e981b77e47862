"""Verifying access tokens: at /userinfo (opaque ones of this tenant, or JWTs for its userinfo), and
HS256 tokens of an API with its secrets (SPEC sections 3, 4)."""

from dataclasses import dataclass

import jwt

from apis.models import ResourceServer
from apis.selectors import hs256_verification_secrets
from tenants.models import Tenant
from tenants.verification import InvalidToken, issuer_check, jwt_verify
from tokens.models import OPAQUE_PREFIX
from tokens.storage.opaque import opaque_token_find

__all__ = ["InvalidToken", "VerifiedToken", "hs256_jwt_verify", "userinfo_token_verify"]


@dataclass(frozen=True)
class VerifiedToken:
    subject: str
    scopes: set[str]
    client_id: str | None
    claims: dict
    opaque: object | None = None


def userinfo_token_verify(*, tenant: Tenant, token: str) -> VerifiedToken:
    """An opaque token of this tenant, or a JWT whose audience includes this tenant's userinfo."""
    if token.startswith(OPAQUE_PREFIX):
        record = opaque_token_find(tenant=tenant, token=token)
        if record is None or record.user is None:
            raise InvalidToken("The access token is unknown, expired, or not valid for this tenant.")
        return VerifiedToken(
            subject=record.user.user_id,
            scopes=set(record.scope.split()),
            client_id=record.client.client_id,
            claims={},
            opaque=record,
        )
    # The userinfo audience as issued through any of the tenant's hosts (SPEC section 1).
    claims = jwt_verify(tenant=tenant, token=token, audience_path="userinfo")
    return VerifiedToken(
        subject=claims["sub"],
        scopes=set(str(claims.get("scope", "")).split()),
        client_id=claims.get("azp") or claims.get("client_id"),
        claims=claims,
    )


def hs256_jwt_verify(*, tenant: Tenant, api: ResourceServer, token: str, verify_exp: bool = True) -> dict:
    """Claims of an HS256 JWT issued by this tenant for `api`, or InvalidToken (SPEC sections 3, 4).

    Verifies with the API's current secret and, while its grace period runs, the previous one
    (`hs256_verification_secrets`), so a token signed just before a secret rotation verifies until
    the grace ends. Only HS256 is accepted, and there is no clock leeway: Authport is the issuer.
    `verify_exp=False` checks everything but the expiry (the explainer reports that on its own).
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise InvalidToken("The token is malformed.") from exc
    secrets = hs256_verification_secrets(api)
    if not secrets:
        raise InvalidToken(f"API {api.identifier} signs with {api.signing_alg}, not HS256.")
    if header.get("alg") != "HS256":
        raise InvalidToken(
            f"API {api.identifier} signs with HS256, so a token signed with {header.get('alg')} is not one of its tokens."
        )
    for secret in secrets:
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                audience=api.identifier,
                leeway=0,
                options={"require": ["iss", "sub", "aud", "exp", "iat"], "verify_exp": verify_exp},
            )
            issuer_check(tenant=tenant, claims=claims)  # any of the tenant's issuers (SPEC section 1)
            return claims
        except jwt.InvalidSignatureError:
            continue  # signed with another secret: try the previous one, if any
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("The token has expired.") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"The token is invalid: {exc}.") from exc
    raise InvalidToken(
        f"The token's signature does not match the signing secret of API {api.identifier} "
        "(nor a previous secret still in its grace period)."
    )
