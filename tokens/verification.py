"""Verifying access tokens presented at /userinfo: opaque ones of this tenant, or JWTs for its userinfo."""

from dataclasses import dataclass

from tenants.models import Tenant
from tenants.verification import InvalidToken, jwt_verify
from tokens.models import OPAQUE_PREFIX
from tokens.opaque import opaque_token_find

__all__ = ["InvalidToken", "VerifiedToken", "userinfo_token_verify"]


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
    claims = jwt_verify(tenant=tenant, token=token, audience=tenant.userinfo_audience)
    return VerifiedToken(
        subject=claims["sub"],
        scopes=set(str(claims.get("scope", "")).split()),
        client_id=claims.get("azp") or claims.get("client_id"),
        claims=claims,
    )
