"""Management API: users, roles and RBAC permissions (Auth0 `/api/v2/users`, `/api/v2/roles`)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from accounts.api.serializers import (
    IdentifierQuery,
    PermissionsInput,
    RoleCreateInput,
    RoleOutput,
    RolePermissionOutput,
    RolesInput,
    RoleUpdateInput,
    UserBlocksOutput,
    UserCreateInput,
    UserOutput,
    UserPermissionOutput,
    UserUpdateInput,
    permission_pairs,
)
from accounts.authentication import user_blocks_clear, user_blocks_list
from accounts.selectors import (
    role_get,
    role_permissions_list,
    roles_get,
    roles_list,
    user_find_by_email,
    user_get,
    user_permissions_list,
    user_roles_list,
    users_list,
)
from accounts.services import (
    permissions_assign,
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
from management_api import PAGINATION_PARAMETERS, AnyOf, TenantApiView, list_schema


def _user_fields(data: dict) -> dict:
    """The services' arguments: `connection` was checked to be the one user database, `verify_email` sends nothing."""
    data.pop("connection", None)
    data.pop("verify_email", None)
    return data


class UserListApi(TenantApiView):
    required_scopes = {"GET": "read:users", "POST": "create:users"}

    @extend_schema(
        operation_id="users_list",
        parameters=PAGINATION_PARAMETERS,
        responses=list_schema("users", UserOutput),
    )
    def get(self, request, tenant_slug):
        return self.list_response(self.paginate(users_list(tenant=self.tenant)), "users", UserOutput)

    @extend_schema(operation_id="users_create", request=UserCreateInput, responses={201: UserOutput})
    def post(self, request, tenant_slug):
        user = user_create(tenant=self.tenant, **_user_fields(self.body(UserCreateInput)))
        return Response(UserOutput(user).data, status=status.HTTP_201_CREATED)


class UserDetailApi(TenantApiView):
    required_scopes = {"GET": "read:users", "PATCH": "update:users", "DELETE": "delete:users"}
    # A user's own token (Auth0's current-user scopes) reads its profile and edits its user_metadata.
    current_user_scopes = {
        "GET": "read:current_user",
        "PATCH": AnyOf("update:current_user_metadata", "create:current_user_metadata"),
    }
    current_user_fields = frozenset({"user_metadata"})

    @extend_schema(operation_id="users_get", responses=UserOutput)
    def get(self, request, tenant_slug, user_id):
        return Response(UserOutput(user_get(tenant=self.tenant, user_id=user_id)).data)

    @extend_schema(operation_id="users_update", request=UserUpdateInput, responses=UserOutput)
    def patch(self, request, tenant_slug, user_id):
        user = user_get(tenant=self.tenant, user_id=user_id)
        user = user_update(user=user, **_user_fields(self.body(UserUpdateInput, partial=True)))
        return Response(UserOutput(user).data)

    @extend_schema(operation_id="users_delete", responses={204: None})
    def delete(self, request, tenant_slug, user_id):
        user_delete(user=user_get(tenant=self.tenant, user_id=user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserPermissionsApi(TenantApiView):
    required_scopes = {"GET": "read:users", "POST": "update:users", "DELETE": "update:users"}

    @extend_schema(
        operation_id="users_permissions_list",
        parameters=PAGINATION_PARAMETERS,
        responses=list_schema("permissions", UserPermissionOutput),
    )
    def get(self, request, tenant_slug, user_id):
        permissions = user_permissions_list(user=user_get(tenant=self.tenant, user_id=user_id))
        return self.list_response(self.paginate(permissions), "permissions", UserPermissionOutput)

    @extend_schema(operation_id="users_permissions_assign", request=PermissionsInput, responses={201: None})
    def post(self, request, tenant_slug, user_id):
        user = user_get(tenant=self.tenant, user_id=user_id)
        permissions_assign(
            tenant=self.tenant, permissions=permission_pairs(self.body(PermissionsInput)), user=user
        )
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(operation_id="users_permissions_remove", request=PermissionsInput, responses={204: None})
    def delete(self, request, tenant_slug, user_id):
        user = user_get(tenant=self.tenant, user_id=user_id)
        permissions_remove(
            tenant=self.tenant, permissions=permission_pairs(self.body(PermissionsInput)), user=user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserRolesApi(TenantApiView):
    # Auth0's *:role_members scopes, or update:users, which the tenant's management client holds.
    required_scopes = {
        "GET": "read:users",
        "POST": AnyOf("create:role_members", "update:users"),
        "DELETE": AnyOf("delete:role_members", "update:users"),
    }

    @extend_schema(
        operation_id="users_roles_list",
        parameters=PAGINATION_PARAMETERS,
        responses=list_schema("roles", RoleOutput),
    )
    def get(self, request, tenant_slug, user_id):
        roles = user_roles_list(user=user_get(tenant=self.tenant, user_id=user_id))
        return self.list_response(self.paginate(roles), "roles", RoleOutput)

    @extend_schema(operation_id="users_roles_assign", request=RolesInput, responses={201: None})
    def post(self, request, tenant_slug, user_id):
        user = user_get(tenant=self.tenant, user_id=user_id)
        user_roles_add(
            user=user, roles=roles_get(tenant=self.tenant, role_ids=self.body(RolesInput)["roles"])
        )
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(operation_id="users_roles_remove", request=RolesInput, responses={204: None})
    def delete(self, request, tenant_slug, user_id):
        user = user_get(tenant=self.tenant, user_id=user_id)
        user_roles_remove(
            user=user, roles=roles_get(tenant=self.tenant, role_ids=self.body(RolesInput)["roles"])
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoleListApi(TenantApiView):
    required_scopes = {"GET": "read:roles", "POST": "create:roles"}

    @extend_schema(
        operation_id="roles_list",
        parameters=PAGINATION_PARAMETERS,
        responses=list_schema("roles", RoleOutput),
    )
    def get(self, request, tenant_slug):
        return self.list_response(self.paginate(roles_list(tenant=self.tenant)), "roles", RoleOutput)

    @extend_schema(operation_id="roles_create", request=RoleCreateInput, responses={201: RoleOutput})
    def post(self, request, tenant_slug):
        role = role_create(tenant=self.tenant, **self.body(RoleCreateInput))
        return Response(RoleOutput(role).data, status=status.HTTP_201_CREATED)


class RoleDetailApi(TenantApiView):
    required_scopes = {"GET": "read:roles", "PATCH": "update:roles", "DELETE": "delete:roles"}

    @extend_schema(operation_id="roles_get", responses=RoleOutput)
    def get(self, request, tenant_slug, role_id):
        return Response(RoleOutput(role_get(tenant=self.tenant, role_id=role_id)).data)

    @extend_schema(operation_id="roles_update", request=RoleUpdateInput, responses=RoleOutput)
    def patch(self, request, tenant_slug, role_id):
        role = role_get(tenant=self.tenant, role_id=role_id)
        role = role_update(role=role, **self.body(RoleUpdateInput, partial=True))
        return Response(RoleOutput(role).data)

    @extend_schema(operation_id="roles_delete", responses={204: None})
    def delete(self, request, tenant_slug, role_id):
        role_delete(role=role_get(tenant=self.tenant, role_id=role_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RolePermissionsApi(TenantApiView):
    required_scopes = {"GET": "read:roles", "POST": "update:roles", "DELETE": "update:roles"}

    @extend_schema(
        operation_id="roles_permissions_list",
        parameters=PAGINATION_PARAMETERS,
        responses=list_schema("permissions", RolePermissionOutput),
    )
    def get(self, request, tenant_slug, role_id):
        permissions = role_permissions_list(role=role_get(tenant=self.tenant, role_id=role_id))
        return self.list_response(self.paginate(permissions), "permissions", RolePermissionOutput)

    @extend_schema(operation_id="roles_permissions_assign", request=PermissionsInput, responses={201: None})
    def post(self, request, tenant_slug, role_id):
        role = role_get(tenant=self.tenant, role_id=role_id)
        permissions_assign(
            tenant=self.tenant, permissions=permission_pairs(self.body(PermissionsInput)), role=role
        )
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(operation_id="roles_permissions_remove", request=PermissionsInput, responses={204: None})
    def delete(self, request, tenant_slug, role_id):
        role = role_get(tenant=self.tenant, role_id=role_id)
        permissions_remove(
            tenant=self.tenant, permissions=permission_pairs(self.body(PermissionsInput)), role=role
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserBlocksApi(TenantApiView):
    """Brute-force protection blocks of a user (Auth0 `user-blocks/{id}`): the addresses it is
    blocked from, and DELETE to lift them. The admin's `blocked` flag is not touched."""

    required_scopes = {"GET": "read:users", "DELETE": "update:users"}

    @extend_schema(operation_id="user_blocks_get", responses=UserBlocksOutput)
    def get(self, request, tenant_slug, user_id):
        user = user_get(tenant=self.tenant, user_id=user_id)
        return Response({"blocked_for": user_blocks_list(tenant=self.tenant, user=user)})

    @extend_schema(operation_id="user_blocks_delete", responses={204: None})
    def delete(self, request, tenant_slug, user_id):
        user_blocks_clear(tenant=self.tenant, user=user_get(tenant=self.tenant, user_id=user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserBlocksByIdentifierApi(TenantApiView):
    """The same by `?identifier=` (an email), also for an email that matches no user."""

    required_scopes = {"GET": "read:users", "DELETE": "update:users"}

    def _account(self) -> dict:
        identifier = self.query(IdentifierQuery)["identifier"]
        return {"user": user_find_by_email(tenant=self.tenant, email=identifier), "identifier": identifier}

    @extend_schema(
        operation_id="user_blocks_get_by_identifier", parameters=[IdentifierQuery], responses=UserBlocksOutput
    )
    def get(self, request, tenant_slug):
        return Response({"blocked_for": user_blocks_list(tenant=self.tenant, **self._account())})

    @extend_schema(
        operation_id="user_blocks_delete_by_identifier", parameters=[IdentifierQuery], responses={204: None}
    )
    def delete(self, request, tenant_slug):
        user_blocks_clear(tenant=self.tenant, **self._account())
        return Response(status=status.HTTP_204_NO_CONTENT)
