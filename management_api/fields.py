"""Strict JSON input: no type coercion, JSON null means absent, unknown properties refused (Auth0)."""

import math
from collections.abc import Mapping

from rest_framework import serializers

from core.models import text_storable
from management_api.errors import NON_FIELD, json_type


def _type_error(expected: str, value) -> serializers.ValidationError:
    return serializers.ValidationError(f"Expected type {expected} but found type {json_type(value)}")


class _StrictString:
    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise _type_error("string", data)
        return super().to_internal_value(data)


class StrictCharField(_StrictString, serializers.CharField):
    """A JSON string, taken as given: no coercion of numbers, no trimming (an identifier is exact)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)


class StrictEmailField(_StrictString, serializers.EmailField):
    pass


class StrictURLField(_StrictString, serializers.URLField):
    pass


class StrictChoiceField(_StrictString, serializers.ChoiceField):
    def __init__(self, choices, **kwargs):
        allowed = ", ".join(str(c[0] if isinstance(c, tuple) else c) for c in choices)
        kwargs.setdefault("error_messages", {"invalid_choice": f'"{{input}}" is not one of: {allowed}'})
        super().__init__(choices, **kwargs)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            raise _type_error("boolean", data)
        return data


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            raise _type_error("integer", data)
        return super().to_internal_value(data)


class StrictNumberField(serializers.FloatField):
    """A JSON number (an integer or not), kept as given; NaN and the infinities are refused."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise _type_error("number", data)
        if not math.isfinite(data):
            raise serializers.ValidationError("Expected a finite number")
        return data

    def to_representation(self, value):
        return value


class StrictListField(serializers.ListField):
    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise _type_error("array", data)
        return super().to_internal_value(data)


def _unstorable(value) -> bool:
    """Any string in the structure the database cannot hold (NUL, lone surrogates)."""
    if isinstance(value, str):
        return not text_storable(value)
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(v) for v in value)
    return False


class StrictDictField(serializers.DictField):
    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise _type_error("object", data)
        if _unstorable(data):  # jsonb refuses NUL; no driver encodes a lone surrogate
            raise serializers.ValidationError("Null characters and invalid Unicode text are not allowed.")
        return super().to_internal_value(data)


class StrictSerializer(serializers.Serializer):
    """A JSON object validated as Auth0's schemas do (`additionalProperties: false`).

    Unknown properties are refused, naming them; a JSON null for a field that does not take null
    is the field left out (Auth0's SDKs send nulls for unset optional fields).
    """

    # Fields of Auth0's schema that Authport keeps but does not act on: name -> JSON type or None
    # (management_api.auth0_schema). They come out of validation as one dict under `auth0_extra`.
    auth0_schema: Mapping[str, str | None] = {}

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({NON_FIELD: [str(_type_error("object", data).detail[0])]})
        writable = {name for name, f in self.fields.items() if not f.read_only}
        unknown = [key for key in data if key not in writable and key not in self.auth0_schema]
        if unknown:
            raise serializers.ValidationError(
                {NON_FIELD: [f"Additional properties not allowed: {','.join(map(str, unknown))}"]}
            )
        extra = self._auth0_extra({k: v for k, v in data.items() if k not in writable})
        data = {
            k: v
            for k, v in data.items()
            if k in writable and not (v is None and not self.fields[k].allow_null)
        }
        validated = super().to_internal_value(data)
        if extra:
            validated["auth0_extra"] = extra
        return validated

    def _auth0_extra(self, data: dict) -> dict:
        """Auth0-only fields, type-checked loosely; a null is the field left out, as elsewhere."""
        errors = {}
        for name, value in data.items():
            expected = self.auth0_schema[name]
            found = json_type(value)
            if value is None or expected is None or found == expected:
                continue
            if expected == "number" and found == "integer":
                continue
            errors[name] = [str(_type_error(expected, value).detail[0])]
        if not errors and _unstorable(data):
            errors[NON_FIELD] = ["Null characters and invalid Unicode text are not allowed."]
        if errors:
            raise serializers.ValidationError(errors)
        return {k: v for k, v in data.items() if v is not None}
