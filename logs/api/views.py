"""Management API: log events (Auth0 `/api/v2/logs`, SPEC section 9)."""

import re

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from logs.api.serializers import LogEventListed, LogEventOutput
from logs.errors import InvalidLogQuery
from logs.selectors import log_event_get, log_events_after, log_events_search
from management_api import PAGINATION_PARAMETERS, TenantApiView, list_schema
from management_api.pagination import PaginationQuery

_FIELD_NAME = re.compile(r"^[A-Za-z0-9_.]{1,64}$")


class LogSearchQuery(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    search = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    sort = serializers.CharField(required=False, default="date:-1", max_length=64)
    fields = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    include_fields = serializers.BooleanField(required=False, default=True)


# `from` is a Python keyword, hence type(). An empty `from` starts at the oldest event kept.
LogCheckpointQuery = type(
    "LogCheckpointQuery",
    (serializers.Serializer,),
    {
        "from": serializers.RegexField(r"^[0-9]{0,64}$", required=False, allow_blank=True, default=""),
        "take": serializers.IntegerField(min_value=1, max_value=100, required=False, default=50),
    },
)


def _field_filter(fields: str, include: bool):
    """Auth0's `fields` + `include_fields`: only those fields (true, the default) or all but those."""
    names = {name.strip() for name in fields.split(",") if name.strip()}
    bad = sorted(name for name in names if not _FIELD_NAME.match(name))
    if bad:
        raise InvalidLogQuery(f'fields has an invalid field name "{bad[0][:64]}".')
    if not names:
        return lambda event: event
    if include:
        return lambda event: {k: v for k, v in event.items() if k in names}
    return lambda event: {k: v for k, v in event.items() if k not in names}


class LogListApi(TenantApiView):
    """Newest first. With `from` (a log_id), checkpoint paging instead: a plain array of the `take`
    events after it, oldest to newest; every other parameter is then ignored, as Auth0 does."""

    required_scopes = {"GET": "read:logs"}

    @extend_schema(
        operation_id="logs_list",
        parameters=[
            *PAGINATION_PARAMETERS,
            OpenApiParameter(
                "q",
                str,
                description="Auth0 query syntax: `type:fp AND date:[2026-01-01 TO *]`.",
            ),
            OpenApiParameter("search", str, description="A synonym of `q` (auth0-python sends it)."),
            OpenApiParameter("sort", str, enum=["date:-1", "date:1"]),
            OpenApiParameter(
                "fields",
                str,
                description="Comma-separated fields to include or exclude.",
            ),
            OpenApiParameter(
                "include_fields",
                bool,
                description="true (default): only `fields`; false: all but.",
            ),
            OpenApiParameter("from", str, description="Checkpoint paging: events after this log_id."),
            OpenApiParameter(
                "take",
                int,
                description="Checkpoint paging: how many, 1 to 100 (default 50).",
            ),
        ],
        responses=list_schema("logs", LogEventListed, length=True),
    )
    def get(self, request, tenant_slug):
        if "from" in request.query_params:
            params = self.query(LogCheckpointQuery)
            events = log_events_after(tenant=self.tenant, log_id=params["from"], take=params["take"])
            return Response(LogEventOutput(events, many=True).data)
        params = self.query(LogSearchQuery)
        paging = self.query(PaginationQuery)
        shape = _field_filter(params["fields"], params["include_fields"])
        events = log_events_search(tenant=self.tenant, q=params["q"] or params["search"], sort=params["sort"])
        start, limit = paging["page"] * paging["per_page"], paging["per_page"]
        items = [shape(e) for e in LogEventOutput(events[start : start + limit], many=True).data]
        if not paging["include_totals"]:
            return Response(items)
        return Response(
            {
                "logs": items,
                "start": start,
                "limit": limit,
                "length": len(items),
                "total": events.count(),
            }
        )


class LogDetailApi(TenantApiView):
    required_scopes = {"GET": "read:logs"}

    @extend_schema(operation_id="logs_get", responses=LogEventOutput)
    def get(self, request, tenant_slug, id):
        return Response(LogEventOutput(log_event_get(tenant=self.tenant, log_id=id)).data)
