"""Published metadata: the JWK Set (RFC 7517) and OIDC Discovery / RFC 8414 metadata."""

import json
from functools import wraps

from django.http import HttpResponse, HttpResponseNotModified

from core.exceptions import NotFound
from tenants.keys import JWKS_MAX_AGE
from tenants.models import Tenant
from tenants.published import published_document
from tenants.selectors import signing_keys_published, tenant_get
from tokens.cors import cors
from tokens.responses import method_not_allowed, oauth_error_response

SIGNING_ALGS = ["RS256", "PS256", "ES256", "HS256"]
DISCOVERY_MAX_AGE = 3600


def _published_response(request, document, max_age: int) -> HttpResponse:
    """The document, or 304 when If-None-Match names its ETag (RFC 9110 section 15.4.5)."""
    if document.matches(request.META.get("HTTP_IF_NONE_MATCH", "")):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(document.body, content_type="application/json")
    response["ETag"] = document.etag
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _read_only(view):
    """Published documents are read: GET and HEAD (OPTIONS is CORS's); anything else is a JSON 405."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return method_not_allowed(
                f"{request.path} answers GET and HEAD only.", allow="GET, HEAD, OPTIONS"
            )
        return view(request, *args, **kwargs)

    return wrapper


def _jwks_body(slug: str) -> bytes | None:
    tenant = tenant_get(slug=slug)
    if tenant is None:
        return None
    return json.dumps({"keys": [key.public_jwk for key in signing_keys_published(tenant=tenant)]}).encode()


@cors(methods="GET", any_origin=True)
@_read_only
def jwks(request, tenant_slug: str):
    """GET /{slug}/.well-known/jwks.json: next, current and previous keys, public members only.

    Served from the cache of published documents (tenants.published): a rotation or revocation
    changes its version, hence the body and the ETag, in every worker at once.
    """
    document = published_document(slug=tenant_slug, name="jwks", build=lambda: _jwks_body(tenant_slug))
    if document is None:
        return oauth_error_response(NotFound(f"Unknown tenant: {tenant_slug}"))
    return _published_response(request, document, JWKS_MAX_AGE)


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


def _discovery_body(slug: str) -> bytes | None:
    tenant = tenant_get(slug=slug)
    return None if tenant is None else json.dumps(discovery_document(tenant)).encode()


@cors(methods="GET", any_origin=True)
@_read_only
def openid_configuration(request, tenant_slug: str):
    """GET /{slug}/.well-known/openid-configuration (and the RFC 8414 paths), from the published cache."""
    document = published_document(
        slug=tenant_slug,
        name="discovery",
        variant=Tenant(slug=tenant_slug).issuer,  # the issuer follows PUBLIC_URL
        build=lambda: _discovery_body(tenant_slug),
    )
    if document is None:
        return oauth_error_response(NotFound(f"Unknown tenant: {tenant_slug}"))
    return _published_response(request, document, DISCOVERY_MAX_AGE)
