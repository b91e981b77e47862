"""Auth0's list conventions: page/per_page/include_totals, checkpoint from/take, and their schemas."""

from dataclasses import dataclass

from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, inline_serializer
from rest_framework import serializers


class PaginationQuery(serializers.Serializer):
    page = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, default=0)
    per_page = serializers.IntegerField(min_value=1, max_value=100, required=False, default=50)
    include_totals = serializers.BooleanField(required=False, default=False)


# Auth0's checkpoint pagination (`from`, `take`, answered with `next`), which its SDKs use for client
# grants. `from` is a Python keyword, hence the class built with type(); `next` is an offset here.
CheckpointQuery = type(
    "CheckpointQuery",
    (serializers.Serializer,),
    {
        "from": serializers.RegexField(r"^[0-9]{1,9}$", required=False, default="0"),
        "take": serializers.IntegerField(min_value=1, max_value=100, required=False, default=50),
    },
)

CHECKPOINT_PARAMETERS = [
    OpenApiParameter("from", str, description="Checkpoint pagination: the `next` of the previous answer."),
    OpenApiParameter(
        "take", int, description="Checkpoint pagination: results per answer, 1 to 100 (default 50)."
    ),
]

PAGINATION_PARAMETERS = [
    OpenApiParameter("page", int, description="Page index of the results, from 0."),
    OpenApiParameter("per_page", int, description="Results per page, 1 to 100 (default 50)."),
    OpenApiParameter(
        "include_totals", bool, description="Answer `{<items>, start, limit, total}` instead of an array."
    ),
]


def list_schema(
    key: str, serializer_class, *, checkpoint: bool = False, length: bool = False
) -> PolymorphicProxySerializer:
    """The OpenAPI response of a list: a plain array, or the include_totals wrapper (`length` too:
    the logs' wrapper has it). With `checkpoint`, the object may be the checkpoint answer instead,
    `{key, next}`, so its totals are optional: one object schema for both answers, since a page would
    match two (neither forbids the other's properties), which `oneOf` refuses."""
    name = "".join(part.title() for part in key.split("_"))
    totals = ("start", "limit", "length", "total") if length else ("start", "limit", "total")
    fields = {key: serializer_class(many=True)}
    fields.update({total: serializers.IntegerField(required=not checkpoint) for total in totals})
    if checkpoint:
        fields["next"] = serializers.CharField(required=False)
    return PolymorphicProxySerializer(
        component_name=f"{name}List",
        serializers=[serializer_class(many=True), inline_serializer(name=f"{name}Page", fields=fields)],
        resource_type_field_name=None,
        many=False,
    )


@dataclass(frozen=True)
class Page:
    items: list
    start: int
    limit: int
    total: int | None
    checkpoint: bool = False
    next: str | None = None
