"""Who may call the Management API: a tenant's Bearer JWT or a staff admin session, and the scope check."""

from dataclasses import dataclass, field

from django.apps import apps
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import BasePermission

from tenants.verification import InvalidToken, jwt_verify

CLIENT_MODEL = "clients.Client"  # by label: core sits below clients and does not import it


class PrincipalKind:
    CLIENT = "client"  # a client-credentials token of a client that exists: administrative calls
    USER = "user"  # a token issued to a user: its own users/{id} at most (current-user scopes)
    GONE_CLIENT = "gone_client"  # a client-credentials token whose client was deleted: nothing
    STAFF = "staff"  # a portal admin session: every scope


@dataclass(frozen=True)
class ManagementPrincipal:
    """Who calls the Management API: a token's subject and scopes, or a portal staff session (all scopes)."""

    subject: str
    kind: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    all_scopes: bool = False
    client_id: str | None = None

    is_authenticated = True
    is_anonymous = False


def _token_kind(*, tenant, claims: dict, subject: str, client_id) -> str:
    """A client-credentials token has `sub` = `{client_id}@clients` (user ids are `auth0|...`, never
    that); only while its client still exists may it make administrative calls (SPEC section 2)."""
    gty = claims.get("gty")
    if (
        not isinstance(client_id, str)
        or subject != f"{client_id}@clients"
        or gty not in (None, "client-credentials")
    ):
        return PrincipalKind.USER
    client_model = apps.get_model(CLIENT_MODEL)
    if client_model.objects.filter(tenant=tenant, client_id=client_id).exists():
        return PrincipalKind.CLIENT
    return PrincipalKind.GONE_CLIENT


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
            # Say why, as Auth0's "Bad audience: ..." does: the caller holds the token anyway.
            raise exceptions.AuthenticationFailed(f"Invalid token. {exc}", code="invalid_token") from exc
        scope = claims.get("scope", "")
        subject = str(claims["sub"])
        client_id = claims.get("azp") or claims.get("client_id")
        principal = ManagementPrincipal(
            subject=subject,
            kind=_token_kind(tenant=tenant, claims=claims, subject=subject, client_id=client_id),
            scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
            client_id=client_id,
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
        return ManagementPrincipal(
            subject=f"portal|{user.pk}", kind=PrincipalKind.STAFF, all_scopes=True
        ), None


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

    `required_scopes` maps a method to one scope, `AnyOf(...)` or `AllOf(...)`. Those are
    administrative scopes: only a client-credentials token of an existing client holds them. A user's
    token reaches only views that declare `current_user_scopes`, for its own `user_id`, and may
    change only the body fields in `current_user_fields` (SPEC section 2, step 2).
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
        if principal.all_scopes:
            return True
        if principal.kind == PrincipalKind.GONE_CLIENT:
            self.message = "The application this token was issued to no longer exists."
            return False
        if principal.kind == PrincipalKind.USER:
            return self._current_user_allowed(request, view, method, principal)
        return self._scopes_held(required, principal.scopes)

    def _scopes_held(self, required, scopes: frozenset[str]) -> bool:
        if isinstance(required, str):
            required = AnyOf(required)
        if isinstance(required, AllOf):
            if set(required) <= scopes:
                return True
            self.message = f"Insufficient scope, expected {' and '.join(required)}."
            return False
        if set(required) & scopes:
            return True
        self.message = f"Insufficient scope, expected any of: {', '.join(required)}"
        return False

    def _current_user_allowed(self, request, view, method: str, principal: ManagementPrincipal) -> bool:
        required = getattr(view, "current_user_scopes", {}).get(method)
        if required is None:
            self.message = (
                "A user's token cannot make administrative calls: they need a client-credentials token "
                "of an application with a client grant for the Management API."
            )
            return False
        if view.kwargs.get("user_id") != principal.subject:
            self.message = f"A user's token reaches only that user's own profile (users/{principal.subject})."
            return False
        if not self._scopes_held(required, principal.scopes):
            return False
        if method in ("POST", "PUT", "PATCH"):
            allowed = getattr(view, "current_user_fields", frozenset())
            data = request.data
            if not isinstance(data, dict) or set(data) - allowed:
                self.message = f"A user's token may change only {', '.join(sorted(allowed)) or 'nothing'}."
                return False
        return True


class ManagementJWTAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents the Bearer JWT in the OpenAPI schema."""

    target_class = "management_api.auth.ManagementJWTAuthentication"
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
    target_class = "management_api.auth.TenantStaffSessionAuthentication"
