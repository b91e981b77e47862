"""A tenant's end users, roles and RBAC permissions (SPEC sections 2.7 and 5)."""

import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from core.models import TenantOwnedModel
from tenants.models import USER_DATABASE


def new_user_id() -> str:
    return "auth0|" + secrets.token_hex(12)


def new_role_id() -> str:
    return "rol_" + secrets.token_urlsafe(12)


class TenantUser(TenantOwnedModel):
    """An end user of a tenant's user database ("Username-Password-Authentication")."""

    user_id = models.CharField(max_length=64, unique=True, default=new_user_id, editable=False)
    email = models.EmailField(max_length=254)
    email_verified = models.BooleanField(default=False)
    name = models.CharField(max_length=200, blank=True)
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    nickname = models.CharField(max_length=150, blank=True)
    picture = models.URLField(max_length=500, blank=True)
    password = models.CharField(max_length=256, editable=False)
    app_metadata = models.JSONField(default=dict, blank=True)
    user_metadata = models.JSONField(default=dict, blank=True)
    blocked = models.BooleanField(default=False)
    last_login = models.DateTimeField(null=True, blank=True, editable=False)
    roles = models.ManyToManyField("Role", related_name="users", blank=True)

    connection = USER_DATABASE

    class Meta:
        verbose_name = "user"
        ordering = ["tenant", "email"]
        constraints = [
            models.UniqueConstraint("tenant", Lower("email"), name="accounts_tenantuser_email_per_tenant"),
        ]

    def __str__(self) -> str:
        return self.email

    def set_password(self, raw: str) -> None:
        self.password = make_password(raw)

    def check_password(self, raw: str) -> bool:
        return bool(self.password) and check_password(raw, self.password)


class Role(TenantOwnedModel):
    public_id = models.CharField(max_length=32, unique=True, default=new_role_id, editable=False)
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["tenant", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="accounts_role_name_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class Permission(TenantOwnedModel):
    """One API scope given to a user directly or to a role (exactly one of the two)."""

    resource_server = models.ForeignKey("apis.ResourceServer", on_delete=models.CASCADE, related_name="+")
    permission_name = models.CharField(max_length=280)
    user = models.ForeignKey(
        TenantUser, null=True, blank=True, on_delete=models.CASCADE, related_name="permissions"
    )
    role = models.ForeignKey(
        Role, null=True, blank=True, on_delete=models.CASCADE, related_name="permissions"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, role__isnull=True) | Q(user__isnull=True, role__isnull=False),
                name="accounts_permission_user_xor_role",
            ),
            models.UniqueConstraint(
                fields=["user", "resource_server", "permission_name"],
                condition=Q(user__isnull=False),
                name="accounts_permission_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["role", "resource_server", "permission_name"],
                condition=Q(role__isnull=False),
                name="accounts_permission_once_per_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.permission_name} on {self.resource_server_id}"
