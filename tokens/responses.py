"""The one renderer of RFC 6749 / RFC 6750 responses."""

from django.http import HttpResponse, JsonResponse

from core.compact_json import compact_json
from core.exceptions import AuthportError, InvalidRequest


def no_store(response):
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def token_response(body: dict) -> HttpResponse:
    """RFC 6749 section 5.1: a 200 with the tokens, never cached, its JSON by core.compact_json."""
    return no_store(HttpResponse(compact_json(body), content_type="application/json"))


HINT_HEADER = "Authport-Hint"
LOG_ID_HEADER = "Authport-Log-Id"  # the event that explains this answer (GET /api/v2/logs/{id})
# What a browser app may read of a token answer besides the CORS-safelisted headers (Fetch standard).
TOKEN_EXPOSED_HEADERS = f"{LOG_ID_HEADER}, {HINT_HEADER}"


def oauth_error_response(
    err: AuthportError, *, headers: dict | None = None, hint: str | None = None
) -> JsonResponse:
    """RFC 6749 section 5.2: {"error", "error_description"} with the error's status, never cached.

    The body stays exactly Auth0's (SDKs and scripts match its text); the fix, when there is one,
    travels in the `Authport-Hint` header, printable ASCII only.
    """
    response = JsonResponse({"error": err.code, "error_description": err.message}, status=err.status)
    if hint:
        response[HINT_HEADER] = "".join(c if 0x20 <= ord(c) < 0x7F else "?" for c in hint)
    for name, value in (headers or {}).items():
        response[name] = value
    return no_store(response)


def method_not_allowed(message: str, *, allow: str) -> JsonResponse:
    """A 405 in RFC 6749's JSON, with the `Allow` header RFC 9110 section 15.5.6 asks for."""
    return oauth_error_response(InvalidRequest(message, status=405), headers={"Allow": allow})


def bearer_error_response(*, status: int, error: str | None, description: str, realm: str) -> JsonResponse:
    """RFC 6750 section 3: a WWW-Authenticate challenge; `error` only when a token was presented."""
    challenge = f'Bearer realm="{realm}"'
    body = {"error": error or "invalid_request", "error_description": description}
    if error:
        # RFC 6750 section 3: error_description may not contain '"' or '\\'.
        safe = "".join(c for c in description if c not in '"\\' and 0x20 <= ord(c) < 0x7F)
        challenge += f', error="{error}", error_description="{safe}"'
    response = JsonResponse(body, status=status)
    response["WWW-Authenticate"] = challenge
    return no_store(response)
