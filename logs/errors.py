"""Errors of the logs' read side, with Auth0's machine codes."""

from core.exceptions import AuthportError, NotFound


class LogEventNotFound(NotFound):
    code = "inexistent_log"

    def __init__(self, message: str = "Log event not found.") -> None:
        super().__init__(message)


class InvalidLogQuery(AuthportError):
    """A `q`, `sort` or `fields` that cannot be answered; the message names the problem."""

    code, status = "invalid_query_string", 400
