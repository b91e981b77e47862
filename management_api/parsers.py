"""The Management API's body parser: strict JSON (core.strict_json) within Auth0's 1 MB payload limit."""

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import BaseParser

from core.strict_json import JSONBodyError, strict_json_loads

# Auth0's bodies nest a few levels (client `addons`, metadata); code that walks a value recursively
# (the NUL and surrogate checks of metadata, the JSON encoder) must never meet a deep one.
MAX_DEPTH = 32


class BodyParseError(exceptions.ParseError):
    """A body that is not strict JSON, with the reason in the message (Auth0: errorCode invalid_body)."""


class PayloadTooLarge(exceptions.APIException):
    """A body over settings.MANAGEMENT_API_MAX_BODY_SIZE (Auth0: "a maximum payload size of 1 megabyte")."""

    status_code = 413
    default_detail = "Payload content length greater than maximum allowed."
    default_code = "payload_too_large"


class StrictJSONParser(BaseParser):
    """`application/json` bodies, each key once, at most MAX_DEPTH levels deep, within the size limit.

    Not a JSONParser subclass on purpose: DRF reads `request.body` for those, which applies
    DATA_UPLOAD_MAX_MEMORY_SIZE (the token endpoint's 64 KiB) instead of the Management API's own
    MANAGEMENT_API_MAX_BODY_SIZE. The declared Content-Length is checked before anything is read.
    """

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.MANAGEMENT_API_MAX_BODY_SIZE
        too_large = PayloadTooLarge(f"Payload content length greater than maximum allowed: {limit}")
        request = (parser_context or {}).get("request")
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            declared = 0
        if declared > limit:
            raise too_large
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise too_large
        try:
            text = raw.decode((parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET)
            return strict_json_loads(text, max_depth=MAX_DEPTH)
        except UnicodeDecodeError as exc:
            raise BodyParseError("Invalid request payload JSON format.") from exc
        except JSONBodyError as exc:
            if type(exc) is JSONBodyError:  # plainly not JSON: Auth0's own words
                raise BodyParseError("Invalid request payload JSON format.") from exc
            raise BodyParseError(f"Invalid request payload JSON format: {exc}.") from exc
