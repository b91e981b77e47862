"""Compact JSON of Authport's own values on the hot path: token responses and signed claims.

The standard library builds a new encoder for every `json.dumps` call given options (separators, an
encoder class, as `JsonResponse` and PyJWT's separators do): measured 75,000 and 37,000 instructions
of a token request. orjson writes the same compact JSON in a fraction of that. A value orjson cannot
write (an integer past 64 bits, a lone surrogate) goes through the standard library instead, which
escapes what UTF-8 cannot hold.
"""

import json

import orjson


def compact_json(value) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value, separators=(",", ":")).encode()
