"""The Management API's DRF layer (SPEC section 5): base view, authentication, scopes, errors, pagination.

Every `/{slug}/api/v2/` view derives from `TenantApiView`: it resolves the tenant from the path before
authentication runs, accepts a Bearer JWT issued by *that* tenant for its management audience (or an
admin session of one of its staff), and checks the scope the view declares for the method. Every error
leaves through `management_exception_handler` in Auth0's shape
`{"statusCode", "error", "message", "errorCode"}`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView, exception_handler

from core.exceptions import AuthportError, NotFound
from tenants.selectors import tenant_get
from tenants.verification import InvalidToken, jwt_verify

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


# --------------------------------------------------------------------------- principals and authentication


@dataclass(frozen=True)
class ManagementPrincipal:
    """Who calls the Management API: a token's subject and scopes, or a portal staff session (all scopes)."""

    subject: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    all_scopes: bool = False
    client_id: str | None = None

    is_authenticated = True
    is_anonymous = False


class ManagementJWTAuthentication(BaseAuthentication):
    """A Bearer JWT signed by this tenant's keys for its management audience (SPEC section 5).

    `jwt_verify` takes the algorithm from our own key row (never `none`, never HS256 with a public
    key) and allows no leeway. A token of another tenant fails there: its kid is not one of this
    tenant's keys, and its issuer and audience differ.
    """

    keyword = "bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != self.keyword:
            return None
        token = token.strip()
        if not token:
            raise exceptions.AuthenticationFailed("Invalid token.", code="invalid_token")
        tenant = request.parser_context["view"].tenant
        try:
            claims = jwt_verify(tenant=tenant, token=token, audience=tenant.management_audience)
        except InvalidToken as exc:
            # The reason goes to WWW-Authenticate (RFC 6750 section 3); the body stays Auth0's.
            request.token_error = str(exc)
            raise exceptions.AuthenticationFailed("Invalid token.", code="invalid_token") from exc
        scope = claims.get("scope", "")
        principal = ManagementPrincipal(
            subject=str(claims["sub"]),
            scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
            client_id=claims.get("azp") or claims.get("client_id"),
        )
        return principal, claims

    def authenticate_header(self, request) -> str:
        """Makes DRF answer 401 (not 403) when authentication is missing or fails."""
        view = request.parser_context.get("view") if request.parser_context else None
        tenant = getattr(view, "tenant", None)
        value = f'Bearer realm="{tenant.management_audience}"' if tenant else "Bearer"
        reason = getattr(request, "token_error", None)
        if reason:
            value += ', error="invalid_token", error_description="{}"'.format(reason.replace('"', "'"))
        return value


class TenantStaffSessionAuthentication(SessionAuthentication):
    """A Django admin session of a superuser, or of a staff member of this tenant: every scope.

    CSRF is enforced as for any session-authenticated DRF call. A session of someone who does not
    administer this tenant does not authenticate here (401), exactly like no credentials at all.
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        tenant = request.parser_context["view"].tenant
        if not (user.is_active and user.is_staff):
            return None
        if not user.is_superuser and not tenant.memberships.filter(user=user).exists():
            return None
        return ManagementPrincipal(subject=f"portal|{user.pk}", all_scopes=True), None


class AllOf(tuple):
    """Scopes that are all required (Auth0's signing-key rotation: create and update)."""

    def __new__(cls, *scopes: str):
        return super().__new__(cls, scopes)


class AnyOf(tuple):
    """Scopes of which one is enough (Auth0's "expected any of")."""

    def __new__(cls, *scopes: str):
        return super().__new__(cls, scopes)


class HasRequiredScope(BasePermission):
    """The token must carry the scope the view declares for the method; undeclared methods fail closed.

    `required_scopes` maps a method to one scope, `AnyOf(...)` or `AllOf(...)`.
    """

    code = "insufficient_scope"

    def has_permission(self, request, view) -> bool:
        principal = request.user
        if principal is None or not getattr(principal, "is_authenticated", False):
            return False  # DRF turns this into NotAuthenticated (401): no authenticator succeeded
        method = "GET" if request.method == "HEAD" else request.method
        required = view.required_scopes.get(method)
        if required is None:
            # No handler: let DRF answer 405. A handler without a declared scope: fail closed.
            handled = method.lower() in view.http_method_names and hasattr(view, method.lower())
            self.message = "This method is not available to API callers."
            return not handled
        if isinstance(required, str):
            required = AnyOf(required)
        if principal.all_scopes:
            return True
        if isinstance(required, AllOf):
            if set(required) <= principal.scopes:
                return True
            self.message = f"Insufficient scope, expected {' and '.join(required)}."
            return False
        if set(required) & principal.scopes:
            return True
        self.message = f"Insufficient scope, expected any of: {', '.join(required)}"
        return False


# --------------------------------------------------------------------------- errors


class QueryValidationError(exceptions.ValidationError):
    """Bad query string parameters (Auth0: errorCode invalid_query_string)."""

    default_code = "invalid_query_string"


def _json_type(value) -> str:
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
        "error": HTTPStatus(status).phrase,
        "message": message,
        "errorCode": code,
    }
    return response


# --------------------------------------------------------------------------- strict JSON input


def _type_error(expected: str, value) -> serializers.ValidationError:
    return serializers.ValidationError(f"Expected type {expected} but found type {_json_type(value)}")


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


class StrictListField(serializers.ListField):
    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise _type_error("array", data)
        return super().to_internal_value(data)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class StrictDictField(serializers.DictField):
    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise _type_error("object", data)
        if _has_nul(data):  # PostgreSQL's jsonb cannot store NUL characters
            raise serializers.ValidationError("Null characters are not allowed.")
        return super().to_internal_value(data)


class StrictSerializer(serializers.Serializer):
    """A JSON object validated as Auth0's schemas do (`additionalProperties: false`).

    Unknown properties are refused, naming them; a JSON null for a field that does not take null
    is the field left out (Auth0's SDKs send nulls for unset optional fields).
    """

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({NON_FIELD: [str(_type_error("object", data).detail[0])]})
        writable = {name for name, f in self.fields.items() if not f.read_only}
        unknown = [key for key in data if key not in writable]
        if unknown:
            raise serializers.ValidationError(
                {NON_FIELD: [f"Additional properties not allowed: {','.join(map(str, unknown))}"]}
            )
        data = {k: v for k, v in data.items() if not (v is None and not self.fields[k].allow_null)}
        return super().to_internal_value(data)


# --------------------------------------------------------------------------- pagination


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


def list_schema(key: str, serializer_class, *, checkpoint: bool = False) -> PolymorphicProxySerializer:
    """The OpenAPI response of a list: a plain array, the include_totals wrapper (or the checkpoint one)."""
    name = "".join(part.title() for part in key.split("_"))
    variants = []
    if checkpoint:
        variants.append(
            inline_serializer(
                name=f"{name}Checkpoint",
                fields={key: serializer_class(many=True), "next": serializers.CharField(required=False)},
            )
        )
    wrapper = inline_serializer(
        name=f"{name}Page",
        fields={
            key: serializer_class(many=True),
            "start": serializers.IntegerField(),
            "limit": serializers.IntegerField(),
            "total": serializers.IntegerField(),
        },
    )
    return PolymorphicProxySerializer(
        component_name=f"{name}List",
        serializers=[serializer_class(many=True), wrapper, *variants],
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


# --------------------------------------------------------------------------- the base view


class TenantApiView(APIView):
    """Base for every `/{slug}/api/v2/` view: the caller must be authorized by *this* tenant.

    The tenant is resolved from the path before authentication runs, so the authenticators verify
    against its keys, issuer and management audience, and views start every query from it.
    `required_scopes` maps each method to its scope (or `AnyOf`/`AllOf` several).
    """

    authentication_classes = [ManagementJWTAuthentication, TenantStaffSessionAuthentication]
    permission_classes = [HasRequiredScope]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    http_method_names = ["get", "post", "put", "patch", "delete", "head"]
    required_scopes: dict[str, str | AnyOf | AllOf] = {}
    tenant = None

    def initial(self, request, *args, **kwargs):
        self.tenant = tenant_get(slug=kwargs.get("tenant_slug", ""))
        if self.tenant is None:
            raise NotFound("Tenant not found.", code="inexistent_tenant")
        super().initial(request, *args, **kwargs)

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


class ManagementJWTAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents the Bearer JWT in the OpenAPI schema."""

    target_class = "core.drf.ManagementJWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A client-credentials token of this tenant for its management audience "
            "`{issuer}api/v2/`, carrying the endpoint's scope.",
        }


class TenantStaffSessionScheme(SessionScheme):
    target_class = "core.drf.TenantStaffSessionAuthentication"


class ManagementAutoSchema(AutoSchema):
    """OpenAPI operations tagged by resource, described by their own view's docstring and scope."""

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
