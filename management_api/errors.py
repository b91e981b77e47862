"""The one renderer of Management API errors: Auth0's {statusCode, error, message, errorCode}."""

from collections.abc import Mapping
from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from core.exceptions import AuthportError
from management_api.parsers import BodyParseError, PayloadTooLarge

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


class QueryValidationError(exceptions.ValidationError):
    """Bad query string parameters (Auth0: errorCode invalid_query_string)."""

    default_code = "invalid_query_string"


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _first_error(detail, path: str = "") -> tuple[str, str]:
    """The first (field path, message) of a DRF error tree; the path is dotted (`scopes.0.value`)."""
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            sub = path if key == NON_FIELD else (f"{path}.{key}" if path else str(key))
            return _first_error(value, sub)
    if isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, Mapping | list):
                return _first_error(item, f"{path}.{index}" if path else str(index))
            return path, str(item)
    return path, str(detail)


def _validation_message(exc: exceptions.ValidationError, prefix: str) -> str:
    path, message = _first_error(exc.detail)
    message = message.rstrip(".")
    if path:
        return f"{prefix} validation error: '{message}' on property {path}."
    return f"{prefix} validation error: '{message}'."


_ERROR_CODES = {
    exceptions.NotAuthenticated: "invalid_token",
    exceptions.AuthenticationFailed: "invalid_token",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.Throttled: "too_many_requests",
}


# Auth0's wording where Python's has changed between versions (3.13 says "Content Too Large").
_PHRASES = {413: "Request Entity Too Large"}


def _as_api_exception(exc):
    """Domain and Django errors as DRF exceptions, keeping the domain's status and machine code."""
    if isinstance(exc, AuthportError):
        api_exc = exceptions.APIException(detail=exc.message, code=exc.code)
        api_exc.status_code = exc.status
        return api_exc
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                (NON_FIELD if key == "__all__" else key): [m for e in errors for m in e.messages]
                for key, errors in exc.error_dict.items()
            }
        else:
            detail = {NON_FIELD: exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, RequestDataTooBig):  # Django's own limit, should anything read request.body
        return PayloadTooLarge()
    return exc


def management_exception_handler(exc, context):
    """The one renderer of Management API errors: Auth0's `{statusCode, error, message, errorCode}`.

    Unknown exceptions return None, which DRF turns into a logged 500.
    """
    exc = _as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    status = response.status_code
    if isinstance(exc, QueryValidationError):
        message, code = _validation_message(exc, "Query"), "invalid_query_string"
    elif isinstance(exc, exceptions.ValidationError):
        message, code = _validation_message(exc, "Payload"), "invalid_body"
    elif isinstance(exc, BodyParseError):
        message, code = str(exc.detail), "invalid_body"
    elif isinstance(exc, exceptions.ParseError):
        message, code = "Invalid request payload JSON format.", "invalid_body"
    elif isinstance(exc, exceptions.NotAuthenticated):
        message, code = "Missing authentication.", "invalid_token"
    elif isinstance(exc, exceptions.APIException):
        message = str(exc.detail)
        code = next((c for cls, c in _ERROR_CODES.items() if isinstance(exc, cls)), None)
        if code is None:
            codes = exc.get_codes()
            code = codes if isinstance(codes, str) else "error"
    else:  # Http404 and Django's PermissionDenied, as DRF's default handler converted them
        message = "Not Found." if status == 404 else "Forbidden."
        code = "not_found" if status == 404 else "forbidden"
    response.data = {
        "statusCode": status,
        "error": _PHRASES.get(status) or HTTPStatus(status).phrase,
        "message": message,
        "errorCode": code,
    }
    return response
