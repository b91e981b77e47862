from core.exceptions import AuthportError, NotFound


class TenantNotFound(NotFound):
    pass


class SigningKeyNotFound(NotFound):
    code = "inexistent_signing_key"


class SigningKeyStateError(AuthportError):
    code, status = "invalid_state", 400
