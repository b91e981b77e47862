"""Published metadata: the JWK Set (RFC 7517) and OIDC Discovery / RFC 8414 metadata."""

import hashlib
import json

from django.http import HttpResponse, HttpResponseNotModified, JsonResponse

from core.exceptions import NotFound
from tenants.keys import JWKS_MAX_AGE
from tenants.selectors import signing_keys_published, tenant_get
from tokens.cors import cors
from tokens.responses import oauth_error_response

SIGNING_ALGS = ["RS256", "PS256", "ES256", "HS256"]


def _tenant_or_404(slug: str):
    tenant = tenant_get(slug=slug)
    if tenant is None:
        raise NotFound(f"Unknown tenant: {slug}")
    return tenant


@cors(methods="GET", any_origin=True)
def jwks(request, tenant_slug: str):
    """GET /{slug}/.well-known/jwks.json: next, current and previous keys, public members only."""
    try:
        tenant = _tenant_or_404(tenant_slug)
    except NotFound as err:
        return oauth_error_response(err)
    body = json.dumps({"keys": [key.public_jwk for key in signing_keys_published(tenant=tenant)]})
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return response


def discovery_document(tenant) -> dict:
    """OIDC Discovery 1.0 metadata, which is also valid RFC 8414 metadata."""
    issuer = tenant.issuer
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}authorize",
        "token_endpoint": f"{issuer}oauth/token",
        "userinfo_endpoint": f"{issuer}userinfo",
        "jwks_uri": f"{issuer}.well-known/jwks.json",
        "revocation_endpoint": f"{issuer}oauth/revoke",
        "end_session_endpoint": f"{issuer}v2/logout",
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "response_types_supported": ["code", "token", "id_token", "token id_token", "code id_token"],
        "response_modes_supported": ["query", "fragment", "form_post", "web_message"],
        "grant_types_supported": [
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials",
            "password",
            "http://auth0.com/oauth/grant-type/password-realm",
        ],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": SIGNING_ALGS,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [
            "aud",
            "auth_time",
            "email",
            "email_verified",
            "exp",
            "family_name",
            "given_name",
            "iat",
            "iss",
            "name",
            "nickname",
            "picture",
            "sub",
            "updated_at",
        ],
        "request_uri_parameter_supported": False,
        "request_parameter_supported": False,
    }


@cors(methods="GET", any_origin=True)
def openid_configuration(request, tenant_slug: str):
    """GET /{slug}/.well-known/openid-configuration (and the RFC 8414 paths)."""
    try:
        tenant = _tenant_or_404(tenant_slug)
    except NotFound as err:
        return oauth_error_response(err)
    response = JsonResponse(discovery_document(tenant))
    response["Cache-Control"] = "public, max-age=3600"
    return response
