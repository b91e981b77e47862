"""Building and signing access tokens and ID tokens (SPEC section 3)."""

import base64
import hashlib
import secrets
import time

from tokens.issuing.keyring import current_signer, hmac_secret, jwt_signed

GTY = {
    "client_credentials": "client-credentials",
    "password": "password",
    "http://auth0.com/oauth/grant-type/password-realm": "password",
    "refresh_token": "refresh_token",
}
TYP = {
    "access_token": "JWT",
    "access_token_authz": "JWT",
    "rfc9068_profile": "at+jwt",
    "rfc9068_profile_authz": "at+jwt",
}


def new_jti() -> str:
    return secrets.token_urlsafe(16)


def sign(*, tenant_id: int, api, claims: dict, typ: str = "JWT") -> str:
    """Sign with the API's algorithm: the tenant's current key (with kid), or the API's own HS256 secret."""
    if api.is_symmetric:
        return jwt_signed(claims, hmac_secret(api.signing_secret), alg="HS256", headers={"typ": typ})
    kid, key = current_signer(tenant_id=tenant_id, alg=api.signing_alg, kid=getattr(api, "current_kid", None))
    return jwt_signed(claims, key, alg=api.signing_alg, headers={"typ": typ, "kid": kid})


def access_token_claims(
    *,
    tenant,
    api,
    audiences: list[str],
    client_id: str,
    subject: str,
    scope: list[str],
    grant_type: str,
    permissions: list[str] | None,
    now: int,
    lifetime: int,
) -> dict:
    """Claims per the API's token dialect (Auth0 profile or RFC 9068 profile, with or without permissions)."""
    claims: dict = {
        "iss": tenant.issuer,
        "sub": subject,
        "aud": audiences[0] if len(audiences) == 1 else list(audiences),
        "iat": now,
        "exp": now + lifetime,
        "jti": new_jti(),
    }
    if api.is_rfc9068:
        claims["client_id"] = client_id
    else:
        claims["azp"] = client_id
        if grant_type in GTY:
            claims["gty"] = GTY[grant_type]
    if scope:
        claims["scope"] = " ".join(scope)
    if api.adds_permissions:
        claims["permissions"] = sorted(permissions or [])
    return claims


def issue_access_token(
    *,
    tenant,
    api,
    audiences,
    client_id,
    subject,
    scope,
    grant_type,
    permissions=None,
    lifetime: int | None = None,
) -> tuple[str, int]:
    """A signed access token JWT and its lifetime in seconds."""
    lifetime = lifetime or api.token_lifetime
    claims = access_token_claims(
        tenant=tenant,
        api=api,
        audiences=audiences,
        client_id=client_id,
        subject=subject,
        scope=scope,
        grant_type=grant_type,
        permissions=permissions,
        now=int(time.time()),
        lifetime=lifetime,
    )
    return sign(tenant_id=tenant.pk, api=api, claims=claims, typ=TYP[api.token_dialect]), lifetime


def left_hash(value: str) -> str:
    """at_hash / c_hash for RS256: the left half of SHA-256, base64url (OIDC Core 3.1.3.6)."""
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def issue_id_token(
    *,
    tenant,
    client,
    user_claims: dict,
    nonce: str | None = None,
    access_token: str | None = None,
    code: str | None = None,
    auth_time: int | None = None,
) -> str:
    """An RS256 ID token for the client (SPEC section 3): aud is the client id."""
    now = int(time.time())
    claims = {
        **user_claims,
        "iss": tenant.issuer,
        "aud": client.client_id,
        "iat": now,
        "exp": now + client.jwt_lifetime_in_seconds,
    }
    if nonce:
        claims["nonce"] = nonce
    if auth_time is not None:
        claims["auth_time"] = auth_time
    if access_token:
        claims["at_hash"] = left_hash(access_token)
    if code:
        claims["c_hash"] = left_hash(code)
    kid, key = current_signer(tenant_id=tenant.pk, alg="RS256")
    return jwt_signed(claims, key, alg="RS256", headers={"typ": "JWT", "kid": kid})
