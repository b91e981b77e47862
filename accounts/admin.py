"""Admin for a tenant's end users, roles and RBAC permissions. Passwords are set, never shown."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from accounts.authentication import user_blocks_clear
from accounts.models import Permission, Role, TenantUser
from accounts.passwords import MIN_PASSWORD_LENGTH, password_policy_refusal
from accounts.services import (
    USER_FIELDS,
    permissions_add,
    permissions_remove,
    role_create,
    role_delete,
    role_update,
    user_create,
    user_delete,
    user_roles_add,
    user_roles_remove,
    user_update,
)
from core.admin import TenantScopedAdmin

POLICY_HELP = f"At least {MIN_PASSWORD_LENGTH} characters, not the email address. Stored hashed."


class TenantUserForm(forms.ModelForm):
    new_password = forms.CharField(
        label="Password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=f"{POLICY_HELP} Leave empty to keep the current password.",
    )
    picture = forms.URLField(max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = TenantUser
        fields = ("tenant", *USER_FIELDS, "roles")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["new_password"].required = True
            self.fields["new_password"].help_text = POLICY_HELP

    def clean(self):
        cleaned = super().clean()
        tenant_id = cleaned["tenant"].pk if cleaned.get("tenant") else self.instance.tenant_id
        if any(role.tenant_id != tenant_id for role in cleaned.get("roles") or ()):
            self.add_error("roles", "A user can only hold roles of their own tenant.")
        password = cleaned.get("new_password")
        if password:
            # The services' rule, shown on the field; user_create/user_update check it again.
            email = cleaned.get("email", self.instance.email) or ""
            refusal = password_policy_refusal(password, email=email)
            if refusal is not None:
                self.add_error("new_password", refusal)
        return cleaned


@admin.register(TenantUser)
class TenantUserAdmin(TenantScopedAdmin):
    form = TenantUserForm
    list_display = ("email", "name", "user_id", "tenant", "blocked", "last_login")
    list_filter = ("blocked",)
    list_select_related = ("tenant",)
    search_fields = ("email", "name", "user_id", "tenant__slug")
    autocomplete_fields = ("tenant", "roles")  # choosers that could list every tenant's rows
    actions = ("unblock_brute_force",)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("tenant", "user_id", "last_login")

    @admin.action(description="Lift brute-force blocks of the selected users")
    def unblock_brute_force(self, request, queryset):
        # The same service as the Management API's DELETE user-blocks; the `blocked` flag stays.
        users = queryset.select_related("tenant")
        lifted = [user.email for user in users if user_blocks_clear(tenant=user.tenant, user=user)]
        if lifted:
            self.message_user(request, f"Lifted brute-force blocks of {', '.join(lifted)}.")
        else:
            self.message_user(request, "None of the selected users was blocked by brute-force protection.")

    def save_model(self, request, obj, form, change):
        fields = self.form_values(form, USER_FIELDS)
        password = form.cleaned_data["new_password"]
        if change:
            user = user_update(user=self.fresh(obj), password=password or None, **fields)
        else:
            user = user_create(tenant=form.cleaned_data["tenant"], password=password, **fields)
        self.adopt(obj, user)

    def save_related(self, request, form, formsets, change):
        # Roles through the role services rather than form.save_m2m().
        user, wanted = form.instance, set(form.cleaned_data["roles"])
        held = set(user.roles.all())
        user_roles_remove(user=user, roles=list(held - wanted))
        user_roles_add(user=user, roles=list(wanted - held))

    def delete_model(self, request, obj):
        user_delete(user=obj)


@admin.register(Role)
class RoleAdmin(TenantScopedAdmin):
    list_display = ("name", "description", "public_id", "tenant")
    list_select_related = ("tenant",)
    search_fields = ("name", "public_id", "tenant__slug")
    autocomplete_fields = ("tenant",)
    readonly_fields = ("public_id",)

    def get_fields(self, request, obj=None):
        # The public id is made by role_create: none to show before the role exists.
        return (
            ("tenant", "name", "description")
            if obj is None
            else ("public_id", "tenant", "name", "description")
        )

    def save_model(self, request, obj, form, change):
        if change:
            role = role_update(role=self.fresh(obj), **self.form_values(form, ("name", "description")))
        else:
            role = role_create(**self.form_values(form, ("tenant", "name", "description")))
        self.adopt(obj, role)

    def delete_model(self, request, obj):
        role_delete(role=obj)


class PermissionForm(forms.ModelForm):
    class Meta:
        model = Permission
        fields = ("resource_server", "permission_name", "user", "role")

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("user")) == bool(cleaned.get("role")):
            raise ValidationError("Give the permission to exactly one of a user or a role.")
        return cleaned


@admin.register(Permission)
class PermissionAdmin(TenantScopedAdmin):
    """Permissions are granted and removed, never edited in place."""

    form = PermissionForm
    list_display = ("permission_name", "resource_server", "user", "role", "tenant")
    list_select_related = ("tenant", "resource_server", "user", "role")
    search_fields = ("permission_name", "user__email", "role__name", "tenant__slug")
    autocomplete_fields = ("resource_server", "user", "role")

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        values = self.form_values(form, ("resource_server", "user", "role"))
        name = form.cleaned_data["permission_name"]
        permissions_add(permission_names=[name], **values)
        self.adopt(obj, Permission.objects.get(permission_name=name, **values))

    def delete_model(self, request, obj):
        permissions_remove(
            tenant=obj.tenant,
            permissions=[(obj.resource_server.identifier, obj.permission_name)],
            user=obj.user,
            role=obj.role,
        )
