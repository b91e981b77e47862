"""OAuth endpoints of a tenant: the token endpoint and OIDC UserInfo (SPEC sections 1-3)."""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.selectors import user_find
from core.exceptions import AuthportError, InvalidRequest
from core.http import client_ip, end_user_ip
from tenants.selectors import tenant_get
from tokens.client_auth import InvalidClientBasic, client_authenticate
from tokens.cors import cors
from tokens.events import exchange_event_record, unauthenticated_exchange_record
from tokens.explanation.explain import detailed_hints, generic_hints, refusal_fix
from tokens.grants.exchange import token_run
from tokens.issuing.oidc import user_claims
from tokens.params import read_params
from tokens.responses import (
    LOG_ID_HEADER,
    TOKEN_EXPOSED_HEADERS,
    bearer_error_response,
    method_not_allowed,
    no_store,
    oauth_error_response,
    token_response,
)
from tokens.storage.refresh import refresh_token_revoke
from tokens.verification import InvalidToken, userinfo_token_verify


@csrf_exempt
@cors(methods="POST", expose=TOKEN_EXPOSED_HEADERS)
def token(request, tenant_slug: str):
    """POST /{slug}/oauth/token: RFC 6749 section 3.2, form-encoded or JSON.

    Decide, issue, and record the decision as an Auth0 log event with its explanation.
    """
    if request.method != "POST":
        return method_not_allowed("The token endpoint accepts POST only.", allow="POST, OPTIONS")
    params: dict[str, str] = {}
    try:
        params = request.oauth_params = read_params(request)  # also the metrics' grant_type label
        client = client_authenticate(request=request, params=params, tenant_slug=tenant_slug)
    except InvalidClientBasic as err:
        response = oauth_error_response(err, headers={"WWW-Authenticate": f'Basic realm="{tenant_slug}"'})
        return _unauthenticated_logged(request, tenant_slug, params, err, response)
    except AuthportError as err:
        return _unauthenticated_logged(request, tenant_slug, params, err, oauth_error_response(err))
    ip = end_user_ip(request, confidential_client=not client.is_public)
    # The log is for the tenant's admins: its explanation names their configuration, as the
    # explainer's does. The caller is told about it only when it proved who it is (confidential).
    detailed = detailed_hints(client.tenant)
    hints = generic_hints() if client.is_public else detailed
    decision, body, error = token_run(client=client, params=params, ip=ip)
    log_id = exchange_event_record(
        request=request, decision=decision, params=params, ip=ip, hints=detailed, error=error
    )
    if error is not None:
        response = oauth_error_response(error, hint=refusal_fix(error, hints))
    else:
        response = token_response(body)
    response[LOG_ID_HEADER] = log_id
    return response


def _unauthenticated_logged(request, tenant_slug: str, params: dict, err: AuthportError, response):
    tenant = tenant_get(slug=tenant_slug)
    if tenant is not None:
        response[LOG_ID_HEADER] = unauthenticated_exchange_record(
            request=request, tenant=tenant, params=params, error=err, ip=client_ip(request)
        )
    return response


def _bearer_token(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        return request.POST.get("access_token") or None
    return None


@csrf_exempt
@cors(methods="GET, POST")
def userinfo(request, tenant_slug: str):
    """GET/POST /{slug}/userinfo (OIDC Core 5.3): an opaque token of this tenant or a JWT for its userinfo."""
    tenant = tenant_get(slug=tenant_slug)
    if tenant is None:
        return oauth_error_response(
            AuthportError(f"Unknown tenant: {tenant_slug}", code="not_found", status=404)
        )
    if request.method not in ("GET", "POST"):
        return method_not_allowed("UserInfo accepts GET and POST.", allow="GET, POST, OPTIONS")
    realm = tenant.issuer
    token_value = _bearer_token(request)
    if token_value is None:
        return bearer_error_response(
            status=401, error=None, description="An access token is required.", realm=realm
        )
    try:
        verified = userinfo_token_verify(tenant=tenant, token=token_value)
    except InvalidToken as exc:
        return bearer_error_response(status=401, error="invalid_token", description=str(exc), realm=realm)
    user = verified.opaque.user if verified.opaque else user_find(tenant=tenant, user_id=verified.subject)
    if user is None or user.blocked:
        return bearer_error_response(
            status=401,
            error="invalid_token",
            description="The token's user no longer exists or is blocked.",
            realm=realm,
        )
    return no_store(JsonResponse(user_claims(user, verified.scopes)))


@csrf_exempt
@cors(methods="POST")
def revoke(request, tenant_slug: str):
    """POST /{slug}/oauth/revoke (RFC 7009): revokes a refresh token's family; 200 for unknown tokens."""
    if request.method != "POST":
        return method_not_allowed("The revocation endpoint accepts POST only.", allow="POST, OPTIONS")
    try:
        params = read_params(request)
        client = client_authenticate(request=request, params=params, tenant_slug=tenant_slug)
        token_value = params.get("token")
        if not token_value:
            raise InvalidRequest("Missing required parameter: token")
        refresh_token_revoke(client=client, token=token_value)
    except InvalidClientBasic as err:
        return oauth_error_response(err, headers={"WWW-Authenticate": f'Basic realm="{tenant_slug}"'})
    except AuthportError as err:
        return oauth_error_response(err)
    return no_store(HttpResponse(status=200))
