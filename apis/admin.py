"""Admin for APIs (resource servers): identifier, algorithm, scopes, lifetimes, masked HS256 secret."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError

from apis.models import ResourceServer
from apis.services import (
    DEFAULT_SECRET_GRACE_SECONDS,
    UPDATABLE_FIELDS,
    resource_server_create,
    resource_server_delete,
    resource_server_rotate_secret,
    resource_server_update,
)
from core.admin import TenantScopedAdmin, mask_secret


class RotateSecretActionForm(ActionForm):
    grace_seconds = forms.IntegerField(
        min_value=0,
        required=False,
        initial=DEFAULT_SECRET_GRACE_SECONDS,
        help_text="Rotate signing secret: seconds the old secret keeps verifying (default 3600, 0 allowed).",
    )


@admin.register(ResourceServer)
class ResourceServerAdmin(TenantScopedAdmin):
    list_display = ("name", "identifier", "signing_alg", "tenant", "is_system", "token_lifetime")
    list_filter = ("signing_alg", ("tenant", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("tenant",)
    search_fields = ("name", "identifier")
    fields = (
        "tenant",
        "public_id",
        "identifier",
        "name",
        "signing_alg",
        "signing_secret_masked",
        "previous_signing_secret_masked",
        "scopes",
        "token_lifetime",
        "token_lifetime_for_web",
        "allow_offline_access",
        "skip_consent_for_verifiable_first_party_clients",
        "enforce_policies",
        "token_dialect",
        "is_system",
    )
    action_form = RotateSecretActionForm
    actions = ("rotate_signing_secret",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                f for f in self.fields if f not in ("public_id", "is_system") and not f.endswith("_masked")
            ]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.is_system:  # the Management API: only its token lifetime may change (SPEC section 1)
            return tuple(f for f in self.fields if f != "token_lifetime")
        return (
            "tenant",
            "public_id",
            "identifier",
            "signing_secret_masked",
            "previous_signing_secret_masked",
            "is_system",
        )

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_system:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="Signing secret")
    def signing_secret_masked(self, obj) -> str:
        return mask_secret(obj.signing_secret) if obj.is_symmetric else "— (signed with the tenant's keys)"

    @admin.display(description="Previous signing secret")
    def previous_signing_secret_masked(self, obj) -> str:
        if not obj.previous_signing_secret_encrypted:
            return "—"
        return f"{mask_secret(obj.previous_signing_secret)}, verifies until {obj.previous_signing_secret_expires_at}"

    def save_model(self, request, obj, form, change):
        fields = self.form_values(form, UPDATABLE_FIELDS)
        if change:
            api = resource_server_update(api=self.fresh(obj), **fields)
        else:
            values = self.form_values(form, ("tenant", "identifier"))
            api = resource_server_create(**values, **fields)
        self.adopt(obj, api)

    def delete_model(self, request, obj):
        resource_server_delete(api=obj)

    @admin.action(description="Rotate signing secret (HS256)")
    def rotate_signing_secret(self, request, queryset):
        # The changelist validated the action form (grace_seconds among it) before calling the action.
        grace = RotateSecretActionForm.base_fields["grace_seconds"].clean(request.POST.get("grace_seconds"))
        grace = DEFAULT_SECRET_GRACE_SECONDS if grace is None else grace
        for api in queryset:
            try:
                rotated = resource_server_rotate_secret(api=api, grace_seconds=grace)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Rotated the signing secret of {api.identifier}: now {mask_secret(rotated.signing_secret)}; "
                    f"the old one verifies for {grace} s.",
                )
