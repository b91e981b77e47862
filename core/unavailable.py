"""Uncaught errors in each protocol's own shape: a database that is down is a 503, never an HTML 500.

Django hands every exception a view or middleware let through to `handler500` (the protocol views
that skip the middleware chain, core/sessionless.py, included), inside the `except` block, so the
exception is still at hand here. A lost database connection (django.db's OperationalError or
InterfaceError: the server is down, restarting, or refuses connections) answers 503 with
`Retry-After`, and the next request reconnects by itself (CONN_HEALTH_CHECKS), no restart needed.
So does a TemporarilyUnavailable a page did not render itself (brute-force protection without its
cache, core/brute_force.py, at the login form).

- `/{slug}/oauth/*`, `/userinfo`, `/.well-known/*`: RFC 6749 section 5.2 JSON,
  `temporarily_unavailable` (503) or `server_error` (500).
- `/{slug}/api/v2/*`: Auth0's `{statusCode, error, message, errorCode}`.
- Anything else (admin, login pages): a short HTML page, 503 or Django's own 500.
"""

import sys
from http import HTTPStatus

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.views.defaults import page_not_found as django_page_not_found
from django.views.defaults import server_error as django_server_error

from core.exceptions import TemporarilyUnavailable

RETRY_AFTER_SECONDS = 5
UNAVAILABLE_MESSAGE = (
    "The service is temporarily unavailable (its database cannot be reached); try again shortly."
)
ERROR_MESSAGE = "The server met an unexpected error."
_OAUTH_PARTS = ("/oauth/", "/.well-known/")
_OAUTH_ENDS = ("/userinfo", "/oauth/token", "/oauth/revoke")


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether an exception means the database cannot be reached (as opposed to a bug or a conflict)."""
    return isinstance(exc, OperationalError | InterfaceError)


def _wire_format(path: str) -> str:
    if "/api/v2/" in path or path.endswith("/api/v2"):
        return "auth0"
    if any(part in path for part in _OAUTH_PARTS) or path.endswith(_OAUTH_ENDS):
        return "oauth"
    return "html"


def _json_error(wire: str, status: int, code: str, message: str) -> JsonResponse:
    """Auth0's Management API shape under /api/v2, RFC 6749 section 5.2's elsewhere."""
    if wire == "auth0":
        body = {
            "statusCode": status,
            "error": HTTPStatus(status).phrase,
            "message": message,
            "errorCode": code,
        }
    else:
        body = {"error": code, "error_description": message}
    return JsonResponse(body, status=status)


def server_error(request, *args, **kwargs):
    """handler500 (authport/urls.py): the uncaught exception, rendered for the path's protocol."""
    exc = sys.exc_info()[1]
    unavailable = database_unavailable(exc) or isinstance(exc, TemporarilyUnavailable)
    status = 503 if unavailable else 500
    if isinstance(exc, TemporarilyUnavailable):
        message = exc.message
    else:
        message = UNAVAILABLE_MESSAGE if unavailable else ERROR_MESSAGE
    wire = _wire_format(request.path_info)
    if wire == "auth0":
        response = _json_error(
            wire, status, "temporarily_unavailable" if unavailable else "internal_error", message
        )
    elif wire == "oauth":
        response = _json_error(
            wire, status, "temporarily_unavailable" if unavailable else "server_error", message
        )
    elif unavailable:
        response = HttpResponse(
            f"<!doctype html><title>Service unavailable</title><h1>Service unavailable</h1><p>{escape(message)}</p>",
            status=status,
        )
    else:
        return django_server_error(request)
    response["Cache-Control"] = "no-store"
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def not_found(request, exception=None):
    """handler404 (authport/urls.py): no such endpoint, in the path's protocol; the admin keeps
    Django's page. A mistyped API URL (a trailing slash, a wrong tenant path) gets JSON it can read."""
    wire = _wire_format(request.path_info)
    if request.path_info.startswith("/admin/"):
        return django_page_not_found(request, exception)
    response = _json_error(wire, 404, "not_found", f"No endpoint at {request.path[:200]}.")
    response["Cache-Control"] = "no-store"
    return response
