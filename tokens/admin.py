"""Admin for what the token endpoints store: opaque access tokens, authorization codes, refresh tokens and
SSO sessions. All machine-made, so read-only; each is stored as a hash, and the admin shows only its tail."""

from django.contrib import admin

from core.admin import TenantScopedAdmin, mask_secret
from tokens.models import AuthorizationCode, OpaqueAccessToken, RefreshToken, SsoSession
from tokens.storage.refresh import refresh_family_revoke


class IssuedRowAdmin(TenantScopedAdmin):
    """Rows only the token endpoints write (and the expiry sweep removes): viewable, never editable."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OpaqueAccessToken)
class OpaqueAccessTokenAdmin(IssuedRowAdmin):
    list_display = ("token", "tenant", "client", "user", "grant_type", "expires_at")
    list_filter = ("grant_type",)
    search_fields = ("tenant__slug", "client__name", "client__client_id")
    list_select_related = ("tenant", "client", "user")
    # token_hash is never searchable nor shown in full.
    fields = ("token", "tenant", "client", "user", "scope", "grant_type", "expires_at", "created_at", "steps")
    readonly_fields = fields

    @admin.display(description="Token hash")
    def token(self, obj) -> str:
        return mask_secret(obj.token_hash)


@admin.register(AuthorizationCode)
class AuthorizationCodeAdmin(IssuedRowAdmin):
    list_display = ("code", "tenant", "client", "user", "expires_at", "used_at")
    # A tenant filter would list every tenant: search by its slug instead (SPEC section 6, at scale).
    search_fields = ("tenant__slug", "user__email")
    list_select_related = ("tenant", "client", "user")
    # code_hash is never searchable nor shown in full; the PKCE challenge is masked the same way.
    fields = (
        "code",
        "tenant",
        "client",
        "user",
        "redirect_uri",
        "audience",
        "scope",
        "pkce_challenge",
        "auth_time",
        "expires_at",
        "used_at",
        "replayed_at",
        "refresh_family",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description="Code hash")
    def code(self, obj) -> str:
        return mask_secret(obj.code_hash)

    @admin.display(description="PKCE challenge")
    def pkce_challenge(self, obj) -> str:
        return mask_secret(obj.code_challenge)


@admin.register(RefreshToken)
class RefreshTokenAdmin(IssuedRowAdmin):
    list_display = ("token", "tenant", "client", "user", "family", "expires_at", "used_at", "revoked_at")
    # A tenant filter would list every tenant: search by its slug instead (SPEC section 6, at scale).
    search_fields = ("tenant__slug", "user__email")
    list_select_related = ("tenant", "client", "user")
    # token_hash is never searchable nor shown in full.
    fields = (
        "token",
        "tenant",
        "client",
        "user",
        "family",
        "audience",
        "scope",
        "auth_time",
        "expires_at",
        "family_expires_at",
        "used_at",
        "revoked_at",
        "created_at",
    )
    readonly_fields = fields
    actions = ("revoke_families",)

    @admin.display(description="Token hash")
    def token(self, obj) -> str:
        return mask_secret(obj.token_hash)

    @admin.action(description="Revoke the selected tokens' families")
    def revoke_families(self, request, queryset):
        # Through the same service as reuse detection: a family is revoked as a whole.
        families = {(token.tenant, token.family) for token in queryset.select_related("tenant")}
        revoked = sum(refresh_family_revoke(tenant=tenant, family=family) for tenant, family in families)
        self.message_user(request, f"Revoked {len(families)} refresh token families ({revoked} live tokens).")


@admin.register(SsoSession)
class SsoSessionAdmin(IssuedRowAdmin):
    list_display = ("session", "tenant", "user", "auth_time", "last_used_at", "idle_expires_at", "ended_at")
    # A tenant filter would list every tenant: search by its slug instead (SPEC section 6, at scale).
    search_fields = ("tenant__slug", "user__email")
    list_select_related = ("tenant", "user")
    # key_hash (the cookie's SHA-256) is never searchable nor shown in full.
    fields = (
        "session",
        "tenant",
        "user",
        "auth_time",
        "last_used_at",
        "idle_expires_at",
        "expires_at",
        "ended_at",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description="Session key hash")
    def session(self, obj) -> str:
        return mask_secret(obj.key_hash)
