"""Who may call the Management API: a tenant's Bearer JWT or a staff admin session, and the scope check."""

from dataclasses import dataclass, field

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import BasePermission

from tenants.verification import InvalidToken, jwt_verify


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
            # RFC 6750 section 3: printable ASCII without '"' or '\\'; a newline would also make
            # Django refuse the header (BadHeaderError, a 500).
            safe = "".join(c for c in reason.replace('"', "'") if c != "\\" and 0x20 <= ord(c) < 0x7F)
            value += f', error="invalid_token", error_description="{safe}"'
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


class ManagementJWTAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents the Bearer JWT in the OpenAPI schema."""

    target_class = "core.drf.auth.ManagementJWTAuthentication"
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
    target_class = "core.drf.auth.TenantStaffSessionAuthentication"
