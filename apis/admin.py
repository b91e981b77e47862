"""Admin for APIs (resource servers): identifier, algorithm, scopes, lifetimes, masked HS256 secret."""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone

from apis.models import ResourceServer
from apis.selectors import hs256_previous_secret
from apis.services import (
    DEFAULT_SECRET_GRACE_SECONDS,
    UPDATABLE_FIELDS,
    resource_server_create,
    resource_server_delete,
    resource_server_rotate_secret,
    resource_server_update,
)
from core.admin import TenantScopedAdmin, mask_secret

CONFIRMED = "yes"  # the confirmation form's "post" field, as in Django's delete_selected


class RotateSecretForm(forms.Form):
    """The grace period, asked on the confirmation page of "Rotate signing secret" (SPEC section 4)."""

    grace_seconds = forms.IntegerField(
        label="Grace period (seconds)",
        min_value=0,
        required=False,
        initial=DEFAULT_SECRET_GRACE_SECONDS,
        error_messages={"min_value": "The grace period cannot be negative: 0 drops the old secret at once."},
        help_text=(
            f"How long the old secret keeps verifying after you confirm. Empty means the default, "
            f"{DEFAULT_SECRET_GRACE_SECONDS}; 0 drops it at once."
        ),
    )

    def clean_grace_seconds(self) -> int:
        grace = self.cleaned_data["grace_seconds"]
        if grace is None:
            return DEFAULT_SECRET_GRACE_SECONDS
        try:
            timezone.now() + dt.timedelta(seconds=grace)
        except OverflowError:
            raise ValidationError(
                "The grace period is too long: it ends beyond the dates Authport can store."
            ) from None
        return grace


def _when(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S %Z}"


def secret_state_field(api: ResourceServer) -> str:
    return f"secret_state_{api.pk}"


def secret_state(api: ResourceServer) -> str:
    """Changes whenever the stored secret does; a digest of the ciphertext, so it reveals nothing."""
    digest = hashlib.sha256(api.signing_secret_encrypted.encode()).hexdigest()[:16]
    return f"{api.signing_alg}:{digest}"


@dataclass(frozen=True)
class SecretRotationPreview:
    """What rotating one API's HS256 secret does, as the confirmation page shows it."""

    api: ResourceServer
    current_masked: str
    replaced_previous_masked: str  # a previous secret still in its grace, which the rotation drops
    replaced_previous_expires_at: dt.datetime | None


def secret_rotation_preview(api: ResourceServer) -> SecretRotationPreview:
    previous = hs256_previous_secret(api)
    return SecretRotationPreview(
        api=api,
        current_masked=mask_secret(api.signing_secret),
        replaced_previous_masked=mask_secret(previous[0]) if previous else "",
        replaced_previous_expires_at=previous[1] if previous else None,
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
        previous = hs256_previous_secret(obj)  # None once its grace is over: it verifies nothing then
        if previous is None:
            return "—"
        return f"{mask_secret(previous[0])}, verifies until {_when(previous[1])}"

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
        """The confirmation page (with the grace period to choose), or the rotation once confirmed.

        Only HS256 APIs have a secret; the others are listed as not applicable and refused by the
        service if posted anyway. An API whose secret changed since the page was shown is not
        rotated: rotating twice would drop the secret that tokens in flight were signed with.
        """
        apis = list(queryset.select_related("tenant").order_by("tenant__slug", "identifier"))
        if not apis:
            self.message_user(
                request,
                "None of the selected APIs is of a tenant you administer: nothing was rotated.",
                messages.WARNING,
            )
            return None
        confirming = request.POST.get("post") == CONFIRMED
        form = RotateSecretForm(request.POST if confirming else None)
        if confirming and form.is_valid():
            for api in apis:
                self._rotate_secret_as_confirmed(request, api, grace=form.cleaned_data["grace_seconds"])
            return None
        applicable = [secret_rotation_preview(api) for api in apis if api.is_symmetric]
        now = timezone.now()
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": "Rotate signing secrets",
            "subtitle": None,
            "opts": self.opts,
            "media": self.media + form.media,
            "action": "rotate_signing_secret",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "selected": [api.pk for api in apis],
            "secret_states": [(secret_state_field(api), secret_state(api)) for api in apis],
            "applicable": applicable,
            "not_applicable": [api for api in apis if not api.is_symmetric],
            "form": form,
            "default_grace": DEFAULT_SECRET_GRACE_SECONDS,
            "default_until": now + dt.timedelta(seconds=DEFAULT_SECRET_GRACE_SECONDS),
        }
        return TemplateResponse(request, "admin/apis/resourceserver/rotate_secret_confirmation.html", context)

    def _rotate_secret_as_confirmed(self, request, api: ResourceServer, *, grace: int) -> None:
        if request.POST.get(secret_state_field(api)) != secret_state(api):
            self.message_user(
                request,
                f"The signing secret of {api.identifier} ({api.tenant.slug}) was not rotated: the API changed after "
                "the confirmation page was shown (another rotation?). Rotating again would drop the secret that "
                "tokens in flight were signed with; review the API and rotate again if you still mean to.",
                messages.ERROR,
            )
            return
        old_masked = mask_secret(api.signing_secret) if api.is_symmetric else ""
        try:
            rotated = resource_server_rotate_secret(api=api, grace_seconds=grace)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        if rotated.previous_signing_secret_expires_at:
            old = f"the old secret {old_masked} verifies until {_when(rotated.previous_signing_secret_expires_at)}"
        else:
            old = f"the old secret {old_masked} was dropped at once (grace 0): tokens signed with it no longer verify"
        self.message_user(
            request,
            f"Rotated the signing secret of {api.identifier} ({api.tenant.slug}): new tokens are signed with "
            f"{mask_secret(rotated.signing_secret)} from now on; {old}.",
            messages.SUCCESS,
        )
