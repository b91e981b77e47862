from core.exceptions import AuthportError, Conflict, NotFound


class TenantNotFound(NotFound):
    pass


class SigningKeyNotFound(NotFound):
    code = "inexistent_signing_key"


class SigningKeyStateError(AuthportError):
    code, status = "invalid_state", 400


class CustomDomainNotFound(NotFound):
    code = "inexistent_custom_domain"

    def __init__(self, message: str = "Custom domain not found.") -> None:
        super().__init__(message)


class CustomDomainConflict(Conflict):
    code = "custom_domain_conflict"
