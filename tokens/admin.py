"""Admin for issued opaque access tokens: machine-made, so read-only, and the hash is masked."""

from django.contrib import admin

from core.admin import TenantScopedAdmin, mask_secret
from tokens.models import OpaqueAccessToken


@admin.register(OpaqueAccessToken)
class OpaqueAccessTokenAdmin(TenantScopedAdmin):
    list_display = ("token", "tenant", "client", "user", "grant_type", "expires_at")
    list_filter = ("grant_type", ("tenant", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("tenant", "client", "user")
    # token_hash is never searchable nor shown in full.
    fields = ("token", "tenant", "client", "user", "scope", "grant_type", "expires_at", "created_at", "steps")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Token hash")
    def token(self, obj) -> str:
        return mask_secret(obj.token_hash)
