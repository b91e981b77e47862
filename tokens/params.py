"""Reading the token endpoint's parameters from a form-encoded or JSON body (RFC 6749 section 3.2)."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent

from core.exceptions import InvalidRequest
from core.models import text_storable
from core.strict_json import DuplicateKeyError, JSONBodyError, strict_json_loads

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MULTIPART = "multipart/form-data"  # not in RFC 6749, but harmless and sent by some HTTP clients


def read_params(request) -> dict[str, str]:
    """The body's parameters as strings. A JSON null or empty string means absent (SPEC section 3)."""
    try:
        if request.content_type == JSON:
            return _from_json(request.body)
        if request.content_type in (FORM, MULTIPART):
            return params_from_querydict(request.POST)
    except (RequestDataTooBig, TooManyFieldsSent) as exc:
        raise InvalidRequest("The request body is too large.") from exc
    raise InvalidRequest(f"The Content-Type must be {FORM} or {JSON}.")


def _checked(name: str, value: str) -> str:
    # A NUL can match nothing we store, and PostgreSQL refuses it in a query: say so instead.
    if "\x00" in name or "\x00" in value:
        raise InvalidRequest(f"The {name.replace(chr(0), '')} parameter contains a NUL character.")
    # JSON can also carry a lone surrogate ("\ud800"), which no driver or hash can encode as UTF-8.
    if not text_storable(name) or not text_storable(value):
        shown = name.encode(errors="replace").decode()
        raise InvalidRequest(f"The {shown} parameter is not valid Unicode text (a lone surrogate).")
    return value


def _from_json(body: bytes) -> dict[str, str]:
    try:
        data = strict_json_loads(body)
    except DuplicateKeyError as exc:  # as a repeated form parameter: which one would we serve?
        raise InvalidRequest(f"The {exc.key} parameter is repeated; send it once.") from exc
    except JSONBodyError as exc:
        raise InvalidRequest(f"The request body is {exc}.") from exc
    if not isinstance(data, dict):
        raise InvalidRequest("The JSON body must be an object of parameters.")
    params = {}
    for name, value in data.items():
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise InvalidRequest(f"The {name} parameter must be a string.")
        params[name] = value
    # One check of every name and value together (a NUL or a lone surrogate in any part is one in
    # the whole); only a failure looks for the parameter to name.
    if not text_storable("".join(f"{name}{value}" for name, value in params.items())):
        for name, value in params.items():
            _checked(name, value)
    return params


def params_from_querydict(form) -> dict[str, str]:
    """Form or query parameters as strings: none repeated (RFC 6749 3.1, OIDC Core 3.1.2.1), empty = absent."""
    params = {}
    for name in form:
        values = form.getlist(name)
        if len(values) > 1:
            raise InvalidRequest(f"The {name} parameter is repeated; send it once.")
        if values[0] != "":
            params[name] = _checked(name, values[0])
    return params
