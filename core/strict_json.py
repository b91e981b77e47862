"""The one reader of JSON request bodies: RFC 8259 JSON, each key once, nesting that cannot exhaust the stack.

Python's `json` lets the last of two equal keys win (so a proxy or WAF that reads the first sees a
different request than we do), accepts `NaN`/`Infinity`, and raises RecursionError, not ValueError,
on a few thousand nested `[`: an unauthenticated 500. Every endpoint that reads a JSON body goes
through `strict_json_loads`, and answers a `JSONBodyError` in its own error shape.
"""

import json


class JSONBodyError(ValueError):
    """The body is not strict JSON. The message is a reason fit for the client ("not valid JSON"),
    which each endpoint words in its own error shape."""


class DuplicateKeyError(JSONBodyError):
    """An object names a key twice. `key` is printable (lone surrogates escaped) and at most 100 characters."""

    def __init__(self, key: str) -> None:
        self.key = key.encode("utf-8", "backslashreplace").decode()[:100]
        super().__init__(f"the key {self.key!r} is repeated")


class TooDeepError(JSONBodyError):
    def __init__(self, limit: int | None = None) -> None:
        super().__init__("nested too deeply" + (f" (at most {limit} levels)" if limit else ""))


def _refuse_constant(name: str):
    raise JSONBodyError("not valid JSON")  # NaN, Infinity, -Infinity: Python's extensions


def _object(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return obj


def _deeper_than(value, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels; iterative, so any depth is safe."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


# One decoder for every body: json.loads with a hook builds a new decoder (and its scanner) per call.
_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_refuse_constant)


def strict_json_loads(raw: bytes | str, *, max_depth: int | None = None):
    """The parsed body, in one pass of the C decoder; raises JSONBodyError (a ValueError).

    Bytes are decoded as `json.loads` does (UTF-8, or UTF-16/32 by their BOM). With `max_depth`,
    a value nested deeper is refused too, so that code walking it recursively cannot overflow.
    """
    try:
        if isinstance(raw, bytes | bytearray):
            raw = raw.decode(json.detect_encoding(raw), "surrogatepass")  # as json.loads decodes
        if raw.startswith("\ufeff"):
            raise JSONBodyError("not valid JSON")  # json.loads: "Unexpected UTF-8 BOM"
        value = _DECODER.decode(raw)
    except JSONBodyError:
        raise
    except RecursionError as exc:
        raise TooDeepError(max_depth) from exc
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError, bad UTF-8, too many digits
        raise JSONBodyError("not valid JSON") from exc
    if max_depth is not None and isinstance(value, dict | list) and _deeper_than(value, max_depth):
        raise TooDeepError(max_depth)
    return value
