"""Auth0's log event object (SPEC section 9)."""

import datetime as dt

from rest_framework import serializers

from logs.models import LogEvent

EVENT_FIELDS = (
    "log_id",
    "date",
    "type",
    "description",
    "client_id",
    "client_name",
    "ip",
    "user_agent",
    "hostname",
    "user_id",
    "user_name",
    "audience",
    "scope",
    "strategy",
    "strategy_type",
    "connection",
    "details",
)
ALWAYS_PRESENT = frozenset({"log_id", "date", "type"})


class Auth0DateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC with milliseconds and `Z`, as Auth0 writes `date` (2026-01-02T03:04:05.678Z)."""

    def to_representation(self, value) -> str:
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class LogEventOutput(serializers.ModelSerializer):
    """An event as Auth0 shows it: a field it has no value for is absent (Auth0 omits absent fields),
    so empty strings and empty `details` are left out; `log_id`, `date` and `type` are always there."""

    date = Auth0DateTimeField()
    details = serializers.JSONField(required=False)  # LogEvent.details (stored in LogDetails)

    class Meta:
        model = LogEvent
        fields = EVENT_FIELDS

    def to_representation(self, instance) -> dict:
        data = super().to_representation(instance)
        return {k: v for k, v in data.items() if k in ALWAYS_PRESENT or v not in ("", {}, None)}


class LogEventListed(LogEventOutput):
    """An event in a list: with `fields`, only the fields asked for (as Auth0), so none is required
    (an output-only serializer: declared writable so that the schema does not require them)."""

    log_id = serializers.CharField(required=False)
    date = Auth0DateTimeField(required=False)

    class Meta(LogEventOutput.Meta):
        extra_kwargs = {"type": {"required": False}}
