"""Writes to end users, roles and permissions."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.errors import PasswordStrengthError
from accounts.models import Permission, Role, TenantUser
from accounts.passwords import password_policy_refusal
from apis.errors import ResourceServerNotFound
from apis.models import ResourceServer
from apis.selectors import resource_server_find
from core.exceptions import Conflict, NotFound
from core.models import save_existing
from tenants.models import Tenant

USER_FIELDS = (
    "email",
    "email_verified",
    "name",
    "given_name",
    "family_name",
    "nickname",
    "picture",
    "app_metadata",
    "user_metadata",
    "blocked",
)


def _check_password(password: str, *, email: str) -> None:
    """The password policy (accounts.passwords); refused as Auth0 refuses a weak password."""
    if password_policy_refusal(password, email=email) is not None:
        raise PasswordStrengthError()


@transaction.atomic
def user_create(*, tenant: Tenant, email: str, password: str, **fields) -> TenantUser:
    """A user of the tenant's database; the password meets the policy and is hashed with Django's hasher."""
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    if not password:
        raise ValidationError({"password": "A password is required."})
    _check_password(password, email=email)
    if TenantUser.objects.for_tenant(tenant).filter(email__iexact=email).exists():
        raise Conflict("The user already exists.")
    user = TenantUser(tenant=tenant, email=email, **fields)
    user.set_password(password)
    user.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            save_existing(user, gone=NotFound("The user does not exist.", code="inexistent_user"))
    except IntegrityError as exc:
        raise Conflict("The user already exists.") from exc
    return user


@transaction.atomic
def user_update(*, user: TenantUser, password: str | None = None, **fields) -> TenantUser:
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(user, name, value)
    if password:
        _check_password(password, email=user.email)  # the email as updated, when it changes too
        user.set_password(password)
    user.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            save_existing(user, gone=NotFound("The user does not exist.", code="inexistent_user"))
    except IntegrityError as exc:
        # The per-tenant, case-insensitive email constraint is the check: no read-then-write race.
        if _email_taken(user):
            raise Conflict("The specified new email already exists.") from exc
        raise
    return user


def _email_taken(user: TenantUser) -> bool:
    return (
        TenantUser.objects.for_tenant(user.tenant)
        .filter(email__iexact=user.email)
        .exclude(pk=user.pk)
        .exists()
    )


def user_record_login(*, user: TenantUser) -> None:
    TenantUser.objects.filter(pk=user.pk).update(last_login=timezone.now())


@transaction.atomic
def role_create(*, tenant: Tenant, name: str, description: str = "") -> Role:
    role = Role(tenant=tenant, name=name, description=description)
    role.full_clean(validate_constraints=False)
    return _role_save(role)


def _role_save(role: Role) -> Role:
    """Save a role; the per-tenant name constraint decides a clash, so concurrent creates get a 409."""
    try:
        with transaction.atomic():
            save_existing(role, gone=NotFound("The role does not exist.", code="inexistent_role"))
    except IntegrityError as exc:
        if Role.objects.for_tenant(role.tenant).filter(name=role.name).exclude(pk=role.pk).exists():
            raise Conflict("A role with this name already exists.") from exc
        raise
    return role


def _check_permission(resource_server: ResourceServer, permission_name: str) -> None:
    if permission_name not in resource_server.scope_values:
        raise ValidationError(
            f'Permission "{permission_name}" is not a scope of API {resource_server.identifier}.'
        )


@transaction.atomic
def permissions_add(
    *,
    resource_server: ResourceServer,
    permission_names: list[str],
    user: TenantUser | None = None,
    role: Role | None = None,
) -> None:
    """Give a user or a role some of an API's scopes (RBAC)."""
    owner = user or role
    if owner is None or owner.tenant_id != resource_server.tenant_id:
        raise ValidationError("Permissions join a user or role and an API of the same tenant.")
    for name in permission_names:
        _check_permission(resource_server, name)
        Permission.objects.get_or_create(
            tenant_id=resource_server.tenant_id,
            resource_server=resource_server,
            permission_name=name,
            user=user,
            role=role,
        )


@transaction.atomic
def user_roles_add(*, user: TenantUser, roles: list[Role]) -> None:
    if any(r.tenant_id != user.tenant_id for r in roles):
        raise ValidationError("A user can only hold roles of their own tenant.")
    user.roles.add(*roles)


@transaction.atomic
def user_delete(*, user: TenantUser) -> None:
    """Delete a user with their permissions, role memberships and opaque tokens."""
    user.delete()


@transaction.atomic
def role_update(*, role: Role, name: str | None = None, description: str | None = None) -> Role:
    """Rename or redescribe a role; names stay unique per tenant (409)."""
    if name is not None:
        role.name = name
    if description is not None:
        role.description = description
    role.full_clean(validate_constraints=False)
    return _role_save(role)


@transaction.atomic
def role_delete(*, role: Role) -> None:
    """Delete a role: its users lose the permissions it gave them."""
    role.delete()


def _permission_targets(
    *, tenant: Tenant, permissions: list[tuple[str, str]]
) -> list[tuple[ResourceServer, str]]:
    """(API, permission name) pairs from (API identifier, name) pairs; an unknown API is a 404."""
    apis: dict[str, ResourceServer] = {}
    targets = []
    for identifier, name in permissions:
        if identifier not in apis:
            api = resource_server_find(tenant=tenant, identifier=identifier)
            if api is None:
                raise ResourceServerNotFound()
            apis[identifier] = api
        targets.append((apis[identifier], name))
    return targets


@transaction.atomic
def permissions_assign(
    *,
    tenant: Tenant,
    permissions: list[tuple[str, str]],
    user: TenantUser | None = None,
    role: Role | None = None,
) -> None:
    """Give a user or role API scopes named by (API identifier, scope): all of them or none (RBAC)."""
    for api, name in _permission_targets(tenant=tenant, permissions=permissions):
        permissions_add(resource_server=api, permission_names=[name], user=user, role=role)


@transaction.atomic
def permissions_remove(
    *,
    tenant: Tenant,
    permissions: list[tuple[str, str]],
    user: TenantUser | None = None,
    role: Role | None = None,
) -> None:
    """Take API scopes from a user or role; a permission they do not hold is ignored (as Auth0 does)."""
    if (user is None) == (role is None):
        raise ValueError("Pass exactly one of user and role.")
    for api, name in _permission_targets(tenant=tenant, permissions=permissions):
        Permission.objects.for_tenant(tenant).filter(
            resource_server=api, permission_name=name, user=user, role=role
        ).delete()


@transaction.atomic
def user_roles_remove(*, user: TenantUser, roles: list[Role]) -> None:
    user.roles.remove(*roles)
