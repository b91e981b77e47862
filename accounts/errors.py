from core.exceptions import AuthportError


class PasswordStrengthError(AuthportError):
    """A password the policy refuses, answered as Auth0's Management API does (message and errorCode)."""

    code, status = "invalid_password", 400

    def __init__(self, message: str = "PasswordStrengthError: Password is too weak") -> None:
        super().__init__(message)
