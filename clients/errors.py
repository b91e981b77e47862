from core.exceptions import Conflict, NotFound


class ClientNotFound(NotFound):
    code = "inexistent_client"

    def __init__(self, message: str = "Client not found.") -> None:
        super().__init__(message)


class ClientGrantNotFound(NotFound):
    code = "inexistent_client_grant"

    def __init__(self, message: str = "Client grant not found.") -> None:
        super().__init__(message)


class ClientGrantConflict(Conflict):
    code = "client_grant_conflict"
