"""Key and secret operations made outside the Management API (commands, the admin) as Auth0 `sapi`
events naming the operation and who made it (SPEC section 9). The Management API's own writes are
recorded by its base view."""

from logs.recorder import log_event_record


def operation_record(*, tenant, operation: str, actor: str, request=None, details: dict | None = None) -> str:
    return log_event_record(
        tenant=tenant,
        type="sapi",
        description=operation,
        request=request,
        details={"operation": operation, "actor": actor, **(details or {})},
    )


def staff_actor(request) -> str:
    return f"portal staff {request.user.get_username()}"


COMMAND_ACTOR = "manage.py"
