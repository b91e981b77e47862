"""The base view of every `/{slug}/api/v2/` endpoint, and its OpenAPI schema class."""

from django.db.models import QuerySet
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type, build_object_type
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound
from management_api.auth import (
    AllOf,
    AnyOf,
    HasRequiredScope,
    ManagementJWTAuthentication,
    TenantStaffSessionAuthentication,
)
from management_api.errors import QueryValidationError
from management_api.events import management_write_record
from management_api.pagination import CheckpointQuery, Page, PaginationQuery
from management_api.parsers import StrictJSONParser
from tenants.selectors import tenant_get


class TenantApiView(APIView):
    """Base for every `/{slug}/api/v2/` view: the caller must be authorized by *this* tenant.

    The tenant is resolved from the path before authentication runs, so the authenticators verify
    against its keys, issuer and management audience, and views start every query from it.
    `required_scopes` maps each method to its scope (or `AnyOf`/`AllOf` several).
    """

    authentication_classes = [ManagementJWTAuthentication, TenantStaffSessionAuthentication]
    permission_classes = [HasRequiredScope]
    parser_classes = [StrictJSONParser]
    renderer_classes = [JSONRenderer]
    http_method_names = ["get", "post", "put", "patch", "delete", "head"]
    required_scopes: dict[str, str | AnyOf | AllOf] = {}
    tenant = None

    def initial(self, request, *args, **kwargs):
        self.tenant = tenant_get(slug=kwargs.get("tenant_slug", ""))
        if self.tenant is None:
            raise NotFound("Tenant not found.", code="inexistent_tenant")
        if any("\x00" in str(value) for value in kwargs.values()):
            # No id contains a NUL, and PostgreSQL refuses one in a query: nothing can match.
            raise NotFound("Not found.", code="inexistent_resource")
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.tenant is not None:
            management_write_record(request=request, view=self, tenant=self.tenant, response=response)
        return response

    def body(self, serializer_class: type[serializers.Serializer], *, partial: bool = False) -> dict:
        """The validated JSON body: only the fields sent (null = absent), defaults applied on create."""
        serializer = serializer_class(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def query(self, serializer_class: type[serializers.Serializer]) -> dict:
        serializer = serializer_class(data=self.request.query_params)
        if not serializer.is_valid():
            raise QueryValidationError(serializer.errors)
        return dict(serializer.validated_data)

    def paginate(self, queryset: QuerySet | list) -> Page:
        """Auth0's offset pagination: `page` (from 0) of `per_page` (1-100, default 50) items.

        With `from` or `take`, Auth0's checkpoint pagination instead: `take` items from `from`.
        """
        if "from" in self.request.query_params or "take" in self.request.query_params:
            params = self.query(CheckpointQuery)
            start, limit = int(params["from"]), params["take"]
            items = list(queryset[start : start + limit + 1])
            more = len(items) > limit
            return Page(
                items=items[:limit],
                start=start,
                limit=limit,
                total=None,
                checkpoint=True,
                next=str(start + limit) if more else None,
            )
        params = self.query(PaginationQuery)
        start, limit = params["page"] * params["per_page"], params["per_page"]
        items = list(queryset[start : start + limit])
        total = None
        if params["include_totals"]:
            total = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
        return Page(items=items, start=start, limit=limit, total=total)

    def list_response(self, page: Page, key: str, serializer_class) -> Response:
        """A plain array; with include_totals=true Auth0's `{key: [...], start, limit, total}`;
        with checkpoint pagination `{key: [...], next}` (`next` only when more items follow)."""
        items = serializer_class(page.items, many=True).data
        if page.checkpoint:
            return Response({key: items, **({"next": page.next} if page.next else {})})
        if page.total is None:
            return Response(items)
        return Response({key: items, "start": page.start, "limit": page.limit, "total": page.total})


class UnknownPathApi(TenantApiView):
    """Any path under `/{slug}/api/v2/` that names no endpoint, with any method: Auth0's JSON 404.

    Without it Django answers its HTML page, which no SDK parses. No authentication: the endpoints
    are public knowledge (the OpenAPI document), and a tenant that does not exist is still
    `inexistent_tenant`, as on every endpoint.
    """

    authentication_classes = []
    permission_classes = []
    schema = None  # not an endpoint of the OpenAPI document

    @property
    def default_response_headers(self) -> dict:
        return {}  # no `Allow`: there is no resource here to allow anything on

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound("Not found.", code="inexistent_resource")


# Auth0's error object, which every operation may answer (management_api.errors); the schema says so,
# so that clients generated from it (and schemathesis, `make soak`) expect these answers.
AUTH0_ERROR_SCHEMA = build_object_type(
    properties={
        "statusCode": build_basic_type(OpenApiTypes.INT),
        "error": build_basic_type(OpenApiTypes.STR),
        "message": build_basic_type(OpenApiTypes.STR),
        "errorCode": build_basic_type(OpenApiTypes.STR),
    },
    required=["statusCode", "error", "message"],
)
ERROR_RESPONSES = {
    "400": "Invalid request: body or query string (errorCode invalid_body, invalid_query_string, ...).",
    "401": "Missing or invalid token (errorCode invalid_token).",
    "403": "The token lacks the operation's scope, or the object may not be changed (errorCode insufficient_scope, ...).",
    "404": "No such object in this tenant (errorCode inexistent_*).",
    "409": "Conflicts with an existing object.",
    "413": "Payload larger than 1 MB.",
    "415": "The body is not JSON.",
    "429": "Too many requests.",
    "503": "The service's database is unavailable; retry (errorCode temporarily_unavailable).",
}


class ManagementAutoSchema(AutoSchema):
    """OpenAPI operations tagged by resource, described by their own view's docstring and scope."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        error = {"application/json": {"schema": AUTH0_ERROR_SCHEMA}}
        for status, description in ERROR_RESPONSES.items():
            responses.setdefault(status, {"description": description, "content": error})
        return responses

    def get_tags(self) -> list[str]:
        _, _, rest = self.path.partition("/api/v2/")
        return [rest.split("/")[0] or "management"]

    def get_description(self) -> str:
        own = type(self.view).__dict__.get("__doc__") or ""
        required = getattr(self.view, "required_scopes", {}).get(self.method.upper())
        if required is None:
            return own.strip()
        if isinstance(required, str):
            scopes = f"`{required}`"
        else:
            joiner = " and " if isinstance(required, AllOf) else " or "
            scopes = joiner.join(f"`{s}`" for s in required)
        return f"{own.strip()}\n\nScope: {scopes}.".strip()
