"""Domain errors: a stable machine code and a status, rendered by each protocol's own renderer."""


class AuthportError(Exception):
    """Base error. `code` is the RFC 6749 error (or Auth0 errorCode); `status` the HTTP status."""

    code = "invalid_request"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class InvalidRequest(AuthportError):
    code, status = "invalid_request", 400


class InvalidClient(AuthportError):
    code, status = "invalid_client", 401


class InvalidGrant(AuthportError):
    code, status = "invalid_grant", 400


class InvalidScope(AuthportError):
    code, status = "invalid_scope", 400


class UnauthorizedClient(AuthportError):
    code, status = "unauthorized_client", 403


class UnsupportedGrantType(AuthportError):
    code, status = "unsupported_grant_type", 400


class AccessDenied(AuthportError):
    code, status = "access_denied", 403


class NotFound(AuthportError):
    code, status = "not_found", 404


class Conflict(AuthportError):
    code, status = "conflict", 409


class TooManyAttempts(AuthportError):
    """Brute-force protection: the account is blocked from this address (SPEC section 2, step 8)."""

    code, status = "too_many_attempts", 429


class TemporarilyUnavailable(AuthportError):
    """A dependency is down and answering would mean failing open (RFC 6749 section 4.1.2.1's code)."""

    code, status = "temporarily_unavailable", 503
