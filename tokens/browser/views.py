"""Browser endpoints of a tenant: /authorize with its login page, and /v2/logout (SPEC section 1)."""

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.authentication import WRONG_CREDENTIALS, user_password_check
from clients.models import Client
from core.exceptions import AuthportError, InvalidGrant, InvalidRequest, TooManyAttempts
from core.http import client_ip
from tenants.request_host import tenant_path
from tenants.selectors import tenant_get
from tokens.browser.authorize import (
    authorize_complete,
    authorize_request_parse,
    authorize_target,
    session_satisfies,
)
from tokens.browser.events import authorize_event_record, login_failure_record, logout_record
from tokens.browser.responses import authorize_error, authorize_respond, error_page, page
from tokens.errors import AuthorizePageError, LoginRequired
from tokens.params import params_from_querydict
from tokens.storage.sso import (
    sso_cookie_set,
    sso_session_end,
    sso_session_get,
    sso_session_start,
    sso_session_use,
)

LOGIN_FIELDS = ("email", "password", "csrfmiddlewaretoken")


def _parse(tenant, querydict):
    """(target, parsed request or the AuthportError to send back); AuthorizePageError when no target."""
    try:
        params = params_from_querydict(querydict)
    except InvalidRequest as err:
        raise AuthorizePageError(err.message) from err
    target = authorize_target(tenant=tenant, params=params)
    try:
        return target, authorize_request_parse(target=target, params=params), None
    except AuthportError as err:
        return target, None, err


def _login_page(request, auth_request, *, error: str | None = None, email: str = "", status: int = 200):
    tenant = auth_request.client.tenant
    return page(
        request,
        "tokens/login.html",
        {
            "action": tenant_path(tenant.slug, reverse("login", args=[tenant.slug])),
            "hidden": sorted(auth_request.params.items()),
            "tenant_name": tenant.friendly_name or tenant.slug,
            "client_name": auth_request.client.name,
            "error": error,
            "email": email or auth_request.params.get("login_hint", ""),
        },
        status=status,
    )


def _finish(request, auth_request, *, user, auth_time, silent: bool = False, first_audience: str = ""):
    target = auth_request.target
    try:
        params, scope = authorize_complete(request=auth_request, user=user, auth_time=auth_time)
    except AuthportError as err:
        authorize_event_record(
            request=request, auth_request=auth_request, user=user, scope=None, silent=silent, error=err
        )
        return authorize_error(request, target, err)
    authorize_event_record(
        request=request,
        auth_request=auth_request,
        user=user,
        scope=scope,
        silent=silent,
        first_audience=first_audience,
    )
    return authorize_respond(request, target, params)


# OIDC Core 3.1.2.1: the authorization endpoint takes GET and POST (form-encoded) alike. A POST
# authorization request changes nothing a GET would not, and carries no CSRF token of ours (it comes
# from the client's site): it is exempt, while the login form (/login) stays CSRF-protected.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def authorize(request, tenant_slug: str):
    """GET or POST /{slug}/authorize: answer from the SSO session, ask for a login, or send back an error."""
    tenant = tenant_get(slug=tenant_slug)
    if tenant is None:
        return error_page(request, f"Unknown tenant: {tenant_slug}", status=404)
    try:
        target, auth_request, error = _parse(
            tenant, request.POST if request.method == "POST" else request.GET
        )
    except AuthorizePageError as err:
        return error_page(request, err.message, status=err.status)
    if error is not None:
        return authorize_error(request, target, error)
    silent = "none" in auth_request.prompt
    session = sso_session_get(request=request, tenant=tenant)
    if session is not None and not session.user.blocked:
        if session_satisfies(request=auth_request, auth_time=session.auth_time):
            response = _finish(
                request,
                auth_request,
                user=session.user,
                auth_time=session.auth_time,
                silent=silent,
                first_audience=session.first_audience,
            )
            sso_session_use(request=request, response=response, tenant=tenant, session=session)
            return response
    if silent:
        error = LoginRequired("Login required")
        authorize_event_record(
            request=request, auth_request=auth_request, user=None, scope=None, silent=True, error=error
        )
        return authorize_error(request, target, error)
    return _login_page(request, auth_request)


@require_POST
def login(request, tenant_slug: str):
    """POST /{slug}/login: the login form (CSRF-protected), carrying the authorization request."""
    tenant = tenant_get(slug=tenant_slug)
    if tenant is None:
        return error_page(request, f"Unknown tenant: {tenant_slug}", status=404)
    fields = request.POST.copy()
    for name in LOGIN_FIELDS:
        fields.pop(name, None)
    try:
        target, auth_request, error = _parse(tenant, fields)
    except AuthorizePageError as err:
        return error_page(request, err.message, status=err.status)
    if error is not None:
        return authorize_error(request, target, error)
    email = request.POST.get("email", "").strip()
    password = request.POST.get("password", "")
    if "\x00" in email + password:  # no stored email or password holds one; PostgreSQL refuses it
        return _login_page(request, auth_request, error=WRONG_CREDENTIALS, email="", status=400)
    try:
        user = user_password_check(tenant=tenant, email=email, password=password, ip=client_ip(request))
    except TooManyAttempts as err:
        login_failure_record(
            request=request, auth_request=auth_request, email=email, kind="limit_wc", description=err.message
        )
        return _login_page(request, auth_request, error=err.message, email=email, status=429)
    except InvalidGrant as err:
        kind, why = (
            ("fp", "Wrong email or password.")
            if getattr(err, "user_exists", True)
            else ("fu", "Wrong email or password (no such user).")
        )
        login_failure_record(
            request=request, auth_request=auth_request, email=email, kind=kind, description=why
        )
        return _login_page(request, auth_request, error=WRONG_CREDENTIALS, email=email)
    if user.blocked:
        login_failure_record(
            request=request, auth_request=auth_request, email=email, kind="f", description="user is blocked"
        )
        return _login_page(request, auth_request, error="Your account is blocked.", email=email, status=403)
    resolution = auth_request.resolution
    session, cookie_value = sso_session_start(
        tenant=tenant, user=user, first_audience=resolution.requested_audience or tenant.userinfo_audience
    )
    response = _finish(request, auth_request, user=user, auth_time=session.auth_time)
    sso_session_end(request=request, response=response, tenant=tenant)  # a new login replaces the old
    sso_cookie_set(response=response, tenant=tenant, value=cookie_value, session=session)
    return response


@require_GET
def logout(request, tenant_slug: str):
    """GET /{slug}/v2/logout?client_id=...&returnTo=...: end the SSO session, then go only to an
    allowed logout URL of the client (Auth0's behaviour); anything else gets an error page."""
    tenant = tenant_get(slug=tenant_slug)
    if tenant is None:
        return error_page(request, f"Unknown tenant: {tenant_slug}", status=404)
    try:
        params = params_from_querydict(request.GET)
    except InvalidRequest as err:
        return error_page(request, err.message)
    client_id = params.get("client_id")
    return_to = params.get("returnTo") or params.get("post_logout_redirect_uri")
    client = Client.objects.for_tenant(tenant).filter(client_id=client_id).first() if client_id else None
    if return_to is None and client is not None and client.allowed_logout_urls:
        return_to = client.allowed_logout_urls[0]  # Auth0: the first allowed logout URL
    refusal = None
    if return_to is None:
        response = page(request, "tokens/logged_out.html", {})
    elif client is None:
        refusal = "returnTo needs the client_id of an application that lists it in its allowed logout URLs."
    elif return_to not in (client.allowed_logout_urls or []):
        refusal = (
            f'The returnTo URL "{return_to}" is not in the list of allowed logout URLs of the application.'
        )
    else:
        response = HttpResponseRedirect(return_to)
    if refusal is not None:
        response = error_page(request, refusal)
    sso_session_end(request=request, response=response, tenant=tenant)
    logout_record(
        request=request,
        tenant=tenant,
        client=client,
        ok=refusal is None,
        description=refusal or "User successfully logged out",
    )
    return response
