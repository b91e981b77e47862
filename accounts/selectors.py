"""Reads of end users and their effective permissions."""

from django.db.models import Q

from accounts.models import Permission, TenantUser
from apis.models import ResourceServer
from tenants.models import Tenant


def user_find_by_email(*, tenant: Tenant, email: str) -> TenantUser | None:
    return TenantUser.objects.for_tenant(tenant).filter(email__iexact=email).first()


def user_permissions(*, user: TenantUser, resource_server: ResourceServer) -> set[str]:
    """The user's scopes on an API, given directly or through roles (RBAC)."""
    return set(
        Permission.objects.filter(resource_server=resource_server)
        .filter(Q(user=user) | Q(role__users=user))
        .values_list("permission_name", flat=True)
    )
