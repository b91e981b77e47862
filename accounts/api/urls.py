from django.urls import path

from accounts.api import views

urlpatterns = [
    path("users", views.UserListApi.as_view(), name="users"),
    path("users/<str:user_id>", views.UserDetailApi.as_view(), name="user"),
    path("users/<str:user_id>/permissions", views.UserPermissionsApi.as_view(), name="user-permissions"),
    path("users/<str:user_id>/roles", views.UserRolesApi.as_view(), name="user-roles"),
    path("user-blocks", views.UserBlocksByIdentifierApi.as_view(), name="user-blocks"),
    path("user-blocks/<str:user_id>", views.UserBlocksApi.as_view(), name="user-block"),
    path("roles", views.RoleListApi.as_view(), name="roles"),
    path("roles/<str:role_id>", views.RoleDetailApi.as_view(), name="role"),
    path("roles/<str:role_id>/permissions", views.RolePermissionsApi.as_view(), name="role-permissions"),
]
