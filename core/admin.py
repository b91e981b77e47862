"""The tenant-scoping base of every Authport admin (SPEC section 6, STYLE b.10).

A staff user sees, picks and edits only rows of the tenants they are a member of; superusers see all.
The scoping lives in the queryset, so another tenant's row is "not found" (never "forbidden") even
when its id is typed into the URL. Writes go through the services; a service that refuses a change
after the form validated makes the form invalid instead of answering 500.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.forms.fields import InvalidJSONInput

from core.exceptions import AuthportError

TENANT_MODEL = "tenants.Tenant"  # by label: core sits below tenants and does not import it


def mask_secret(value: str) -> str:
    """Enough of a secret to tell two apart, never enough to use one."""
    return f"…{value[-4:]}" if value else "—"


# Columns that hold a secret or something derived from one: a password hash, the keyed hash of a
# client secret or token, an encrypted private key or HS256 secret, a PKCE challenge.
SECRET_FIELD_NAMES = frozenset({"password", "secret", "signing_secret", "client_secret", "code_challenge"})
SECRET_FIELD_SUFFIXES = ("_hash", "_encrypted")


def is_secret_lookup(lookup: str) -> bool:
    """Whether a query-string lookup (`user__password__startswith`) passes through a secret column.

    By name, on every part of the path, so that a column added later under the same conventions is
    covered too, and so is a path through a related model.
    """
    return any(
        part in SECRET_FIELD_NAMES or part.endswith(SECRET_FIELD_SUFFIXES)
        for part in lookup.split(LOOKUP_SEP)
    )


def member_tenant_ids(request) -> set[int]:
    if not hasattr(request, "_authport_tenant_ids"):
        request._authport_tenant_ids = set(request.user.memberships.values_list("tenant_id", flat=True))
    return request._authport_tenant_ids


def scope_to_member(queryset: models.QuerySet, request) -> models.QuerySet:
    """Rows of the tenants `request.user` administers; everything for a superuser."""
    if request.user.is_superuser:
        return queryset
    if queryset.model._meta.label == TENANT_MODEL:
        return queryset.filter(memberships__user=request.user)
    if any(f.name == "tenant" for f in queryset.model._meta.get_fields()):
        return queryset.filter(tenant__memberships__user=request.user)
    return queryset


def holds_unstorable_text(value) -> bool:
    """Whether a JSON value holds text no database stores: a NUL (PostgreSQL) or a lone surrogate."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            return True
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_unstorable_text(k) or holds_unstorable_text(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_unstorable_text(v) for v in value)
    return False


class StorableJSONField(forms.JSONField):
    """A JSON form field that refuses text no database stores, instead of a 500 when saving.

    Django's text fields refuse NUL, but JSON decodes the escapes `\\u0000` and `\\ud800` into
    such text. What was typed is shown again as typed: a decoded lone surrogate cannot
    even be sent back in the page.
    """

    default_error_messages = {"unstorable": "Null characters and lone surrogates are not allowed."}

    def validate(self, value) -> None:
        super().validate(value)
        if holds_unstorable_text(value):
            raise ValidationError(self.error_messages["unstorable"], code="unstorable")

    def bound_data(self, data, initial):
        if self.disabled or data is None:
            return super().bound_data(data, initial)
        return InvalidJSONInput(data)


class LineListField(forms.Field):
    """A list of strings edited as text: one entry a line, or comma separated (SPEC section 6).

    `entry_validator` is the model's validator of the whole list (the Management API's rule); it is
    run on each entry alone, so that every bad entry gets its own error naming it, then on the list.
    """

    widget = forms.Textarea(attrs={"rows": 4, "cols": 80, "spellcheck": "false"})

    def __init__(self, *, entry_validator=None, separators: str = "\n,", **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.entry_validator = entry_validator
        self.separators = separators

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        text = value or ""
        for separator in self.separators[1:]:
            text = text.replace(separator, self.separators[0])
        return [entry.strip() for entry in text.split(self.separators[0]) if entry.strip()]

    def validate(self, value) -> None:
        super().validate(value)
        if holds_unstorable_text(value):
            raise ValidationError("Null characters and lone surrogates are not allowed.", code="unstorable")
        if self.entry_validator is None:
            return
        errors = []
        for entry in value:
            try:
                self.entry_validator([entry])
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
        self.entry_validator(value)

    def has_changed(self, initial, data) -> bool:
        return self.to_python(initial or []) != self.to_python(data)


def as_validation_error(exc: Exception) -> ValidationError:
    return exc if isinstance(exc, ValidationError) else ValidationError(getattr(exc, "message", str(exc)))


def onto_form_fields(error: ValidationError, fields) -> ValidationError:
    """Errors naming a field the form does not show (a read-only one, or a service's own) become
    non-field errors that say which field they are about, instead of Django's ValueError."""
    if not hasattr(error, "error_dict"):
        return error
    mapped: dict[str, list] = {}
    for field, errors in error.error_dict.items():
        if field == NON_FIELD_ERRORS or field in fields:
            mapped.setdefault(field, []).extend(errors)
        else:
            mapped.setdefault(NON_FIELD_ERRORS, []).extend(
                ValidationError(f"{field}: {message}") for message in ValidationError(errors).messages
            )
    return ValidationError(mapped)


class SecretLookupRefusal:
    """Refuses query-string lookups on secret columns (Django answers 400).

    `?password__startswith=pbkdf2_sha256$1` would answer "rows" or "none": character by character, an
    oracle on what the pages mask. Refused for everyone, superusers included.
    """

    def lookup_allowed(self, lookup, value, request=None):
        if is_secret_lookup(lookup):
            return False
        return super().lookup_allowed(lookup, value, request)


class TenantScopedAdmin(SecretLookupRefusal, admin.ModelAdmin):
    """Staff members get full access to their own tenants' rows without Django model permissions."""

    formfield_overrides = {models.JSONField: {"form_class": StorableJSONField}}

    def get_queryset(self, request):
        return scope_to_member(super().get_queryset(request), request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_to_member(field.queryset, request)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_to_member(field.queryset, request)
        return field

    def get_readonly_fields(self, request, obj=None):
        # A row never moves to another tenant: no service supports it.
        readonly = tuple(super().get_readonly_fields(request, obj))
        has_tenant_fk = any(f.name == "tenant" for f in self.model._meta.fields)
        return (*readonly, "tenant") if obj is not None and has_tenant_fk else readonly

    # Permissions: membership replaces Django's per-model permissions.

    def tenant_id_of(self, obj) -> int:
        return obj.tenant_id

    def is_member(self, request, obj=None) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if user.is_superuser:
            return True
        tenant_ids = member_tenant_ids(request)
        return bool(tenant_ids) if obj is None else self.tenant_id_of(obj) in tenant_ids

    def has_module_permission(self, request):
        return self.is_member(request)

    def has_view_permission(self, request, obj=None):
        return self.is_member(request, obj)

    def has_add_permission(self, request):
        return self.is_member(request)

    def has_change_permission(self, request, obj=None):
        return self.is_member(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.is_member(request, obj)

    def delete_queryset(self, request, queryset):
        # Row by row, so that a bulk delete takes each admin's delete_model (its service) too.
        for obj in queryset:
            self.delete_model(request, obj)

    # Service errors become form errors.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, AuthportError) as exc:
            if request.method != "POST" or hasattr(request, "_authport_service_error"):
                raise
            # save_model's service refused the change; Django's changeform transaction rolled back
            # whatever was written. Render the same POST again, with the refusal as a form error.
            request._authport_service_error = as_validation_error(exc)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        service_error = getattr(request, "_authport_service_error", None)

        class TenantScopedForm(form):
            def add_error(self, field, error):
                if field is None and isinstance(error, ValidationError):
                    error = onto_form_fields(error, self.fields)
                super().add_error(field, error)

            def clean(self):
                cleaned = super().clean()
                if service_error is not None:
                    self.add_error(None, service_error)
                return cleaned

        return TenantScopedForm

    @staticmethod
    def fresh(obj):
        """The row as stored: services compare against it, and the form has already written onto `obj`."""
        return type(obj)._default_manager.get(pk=obj.pk)

    @staticmethod
    def adopt(obj, saved) -> None:
        """Give the admin's instance the row the service wrote, for the redirect and the change log."""
        for field in saved._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db

    @staticmethod
    def form_values(form, names) -> dict:
        return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


class StaffUserAdmin(SecretLookupRefusal, DjangoUserAdmin):
    """Django's own staff-user admin, with the same refusal of lookups on password hashes.

    Named "Portal staff" (templates/admin/app_list.html), apart from a tenant's end users.
    """

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Portal staff", **(extra_context or {})})


admin.site.site_header = "Authport"
admin.site.site_title = "Authport"
admin.site.index_title = "Tenants, APIs and applications"

admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), StaffUserAdmin)


class TenantLabelledAutocompleteView(AutocompleteJsonView):
    """Autocomplete choices name their tenant, as the dropdowns do, whenever the user sees several
    tenants (SPEC section 6): two tenants' "Orders API" are then told apart."""

    def get_queryset(self):
        queryset = super().get_queryset()
        if any(f.name == "tenant" for f in queryset.model._meta.fields):
            queryset = queryset.select_related("tenant")
        return queryset

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        tenant = getattr(obj, "tenant", None) if hasattr(type(obj), "tenant") else None
        if tenant is not None and (
            self.request.user.is_superuser or len(member_tenant_ids(self.request)) > 1
        ):
            result["text"] = f"{result['text']} · {tenant.slug}"
        return result


def _autocomplete_view(request):
    return TenantLabelledAutocompleteView.as_view(admin_site=admin.site)(request)


admin.site.autocomplete_view = _autocomplete_view
