"""Reads of end users and their effective permissions."""

from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Permission, Role, TenantUser
from apis.models import ResourceServer
from core.exceptions import NotFound
from core.prepared import PreparedQuery
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


def users_list(*, tenant: Tenant):
    """The tenant's users in creation order (stable pages)."""
    return TenantUser.objects.for_tenant(tenant).order_by("pk")


def _user_by_id_query(*, tenant_id: int, user_id: str):
    return TenantUser.objects.filter(tenant_id=tenant_id, user_id=user_id).order_by()[:1]


_USER_BY_ID = PreparedQuery(TenantUser, _user_by_id_query, tenant_id=int, user_id=str)


def user_find(*, tenant: Tenant, user_id: str) -> TenantUser | None:
    """The tenant's user with this id, in a query compiled once per process (/userinfo)."""
    found = _USER_BY_ID.run(tenant_id=tenant.pk, user_id=user_id)
    return found[0] if found else None


def user_get(*, tenant: Tenant, user_id: str) -> TenantUser:
    user = TenantUser.objects.for_tenant(tenant).filter(user_id=user_id).first()
    if user is None:
        raise NotFound("The user does not exist.", code="inexistent_user")
    return user


def roles_list(*, tenant: Tenant):
    return Role.objects.for_tenant(tenant).order_by("pk")


def role_get(*, tenant: Tenant, role_id: str) -> Role:
    role = Role.objects.for_tenant(tenant).filter(public_id=role_id).first()
    if role is None:
        raise NotFound("The role does not exist.", code="inexistent_role")
    return role


def roles_get(*, tenant: Tenant, role_ids: list[str]) -> list[Role]:
    """The roles with these ids, all of this tenant; one unknown id is a 404 naming it."""
    roles = {r.public_id: r for r in Role.objects.for_tenant(tenant).filter(public_id__in=role_ids)}
    missing = [rid for rid in role_ids if rid not in roles]
    if missing:
        raise NotFound(f"The role does not exist: {missing[0]}.", code="inexistent_role")
    return [roles[rid] for rid in dict.fromkeys(role_ids)]


def user_roles_list(*, user: TenantUser):
    return user.roles.order_by("pk")


@dataclass(frozen=True)
class PermissionEntry:
    """Auth0's permission object: an API scope and, for a user, where it comes from."""

    permission_name: str
    resource_server_identifier: str
    resource_server_name: str
    description: str
    sources: tuple[dict, ...] = ()


def _description(api: ResourceServer, name: str) -> str:
    return next((s.get("description", "") for s in api.scopes if s.get("value") == name), "")


def role_permissions_list(*, role: Role) -> list[PermissionEntry]:
    rows = Permission.objects.filter(role=role).select_related("resource_server__tenant").order_by("pk")
    return [
        PermissionEntry(
            permission_name=p.permission_name,
            resource_server_identifier=p.resource_server.audience,
            resource_server_name=p.resource_server.name,
            description=_description(p.resource_server, p.permission_name),
        )
        for p in rows
    ]


def user_permissions_list(*, user: TenantUser) -> list[PermissionEntry]:
    """The user's permissions, direct and through roles, each once with all its sources."""
    rows = (
        Permission.objects.filter(Q(user=user) | Q(role__users=user))
        .select_related("resource_server__tenant", "role")
        .order_by("pk")
        .distinct()
    )
    entries: dict[tuple[int, str], dict] = {}
    for p in rows:
        entry = entries.setdefault(
            (p.resource_server_id, p.permission_name),
            {
                "permission_name": p.permission_name,
                "resource_server_identifier": p.resource_server.audience,
                "resource_server_name": p.resource_server.name,
                "description": _description(p.resource_server, p.permission_name),
                "sources": [],
            },
        )
        if p.role_id:
            source = {"source_id": p.role.public_id, "source_name": p.role.name, "source_type": "ROLE"}
        else:
            source = {"source_id": "", "source_name": "", "source_type": "DIRECT"}
        entry["sources"].append(source)
    return [PermissionEntry(**{**e, "sources": tuple(e["sources"])}) for e in entries.values()]
