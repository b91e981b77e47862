from core.exceptions import AuthportError, Conflict, NotFound


class ResourceServerNotFound(NotFound):
    code = "inexistent_resource_server"

    def __init__(self, message: str = "Resource server not found.") -> None:
        super().__init__(message)


class ResourceServerConflict(Conflict):
    code = "resource_server_conflict"


class SystemResourceServerError(AuthportError):
    code, status = "operation_not_supported", 403
