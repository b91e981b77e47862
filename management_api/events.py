"""Management API writes as Auth0 log events: `sapi` when they succeed, `fapi` when they fail
(SPEC section 9). Only the method, path and outcome are recorded, never a request or response body,
which may hold a client secret or a password."""

from core.http import client_ip
from logs.recorder import log_event_record

WRITE_METHODS = {"POST": "Create", "PUT": "Replace", "PATCH": "Update", "DELETE": "Delete"}


def management_write_record(*, request, view, tenant, response) -> str | None:
    method = request.method
    if method not in WRITE_METHODS or getattr(view, "records_writes", True) is False:
        return None
    principal = getattr(request, "user", None)
    ok = response.status_code < 400
    path = request.path.split("/api/v2/", 1)[-1]
    operation = getattr(view, "log_operations", {}).get(method) or f"{WRITE_METHODS[method]} {path}"
    details = {
        "request": {"method": method, "path": request.path},
        "response": {"statusCode": response.status_code},
    }
    if not ok and isinstance(getattr(response, "data", None), dict):
        details["response"]["body"] = response.data  # Auth0's error object: status, message, errorCode
    kind = getattr(principal, "kind", None)
    if kind == "staff":
        details["auth"] = {"strategy": "portal session", "subject": principal.subject}
    return log_event_record(
        tenant=tenant,
        type="sapi" if ok else "fapi",
        description=operation
        if ok
        else f"{operation}: {details['response'].get('body', {}).get('message', 'failed')}",
        request=request,
        ip=client_ip(request),
        client_id=(getattr(principal, "client_id", None) or "") if kind != "staff" else "",
        details=details,
    )
