"""Errors of the browser flows (OIDC Core 3.1.2.6, RFC 6749 section 4.1.2.1)."""

from core.exceptions import AuthportError


class AuthorizePageError(Exception):
    """An /authorize error that cannot go back to the client (unknown client, unregistered
    redirect_uri): shown on Authport's own page, never redirected."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class LoginRequired(AuthportError):
    code, status = "login_required", 400


class UnsupportedResponseType(AuthportError):
    code, status = "unsupported_response_type", 400
