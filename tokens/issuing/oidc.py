"""OpenID Connect vocabulary: which scopes are OIDC's, and which user claims each releases."""

OIDC_SCOPES = frozenset({"openid", "profile", "email", "address", "phone", "offline_access"})
PROFILE_CLAIMS = ("name", "given_name", "family_name", "nickname", "picture")


def user_claims(user, scopes: set[str]) -> dict:
    """Claims about the user released by `scopes` (OIDC Core 5.4); `sub` always."""
    claims: dict = {"sub": user.user_id}
    if "profile" in scopes:
        for name in PROFILE_CLAIMS:
            value = getattr(user, name)
            if value:
                claims[name] = value
        claims["updated_at"] = user.updated_at.isoformat().replace("+00:00", "Z")
    if "email" in scopes:
        claims["email"] = user.email
        claims["email_verified"] = user.email_verified
    return claims
