"""End users, roles and permissions in the admin: passwords set through the service, never shown."""

import pytest

from accounts.models import Permission, Role, TenantUser
from accounts.services import permissions_add, role_create
from tests.factories import make_user


def _user_body(tenant, **overrides) -> dict:
    return {
        "tenant": str(tenant.pk),
        "email": "bob@example.test",
        "name": "Bob",
        "given_name": "",
        "family_name": "",
        "nickname": "",
        "picture": "",
        "app_metadata": "{}",
        "user_metadata": "{}",
        "new_password": "s3cret-horse-battery",
        **overrides,
    }


def test_adding_a_user_hashes_the_password_and_never_shows_it(staff_client, tenant):
    # when
    resp = staff_client.post("/admin/accounts/tenantuser/add/", _user_body(tenant))
    # then
    assert resp.status_code == 302
    user = TenantUser.objects.get(tenant=tenant, email="bob@example.test")
    assert user.check_password("s3cret-horse-battery")
    assert user.password != "s3cret-horse-battery"
    page = staff_client.get(f"/admin/accounts/tenantuser/{user.pk}/change/").content.decode()
    assert user.password not in page
    assert "s3cret-horse-battery" not in page


def test_a_new_user_needs_a_password(staff_client, tenant):
    # when
    resp = staff_client.post("/admin/accounts/tenantuser/add/", _user_body(tenant, new_password=""))
    # then
    assert resp.status_code == 200
    assert "new_password" in resp.context["adminform"].form.errors
    assert not TenantUser.objects.exists()


def test_an_empty_password_on_change_keeps_the_old_one(staff_client, tenant, end_user):
    # given
    old_hash = end_user.password
    # when
    resp = staff_client.post(
        f"/admin/accounts/tenantuser/{end_user.pk}/change/",
        _user_body(tenant, email=end_user.email, name="Alice Renamed", new_password=""),
    )
    # then
    assert resp.status_code == 302
    end_user.refresh_from_db()
    assert (end_user.name, end_user.password) == ("Alice Renamed", old_hash)


def test_a_password_on_change_replaces_the_old_one(staff_client, tenant, end_user):
    # when
    staff_client.post(
        f"/admin/accounts/tenantuser/{end_user.pk}/change/",
        _user_body(tenant, email=end_user.email, new_password="another-long-password"),
    )
    # then
    end_user.refresh_from_db()
    assert end_user.check_password("another-long-password")


def test_a_user_cannot_hold_another_tenants_role(superuser_client, tenant, other_tenant, end_user):
    # given
    foreign_role = role_create(tenant=other_tenant, name="admin")
    # when
    resp = superuser_client.post(
        f"/admin/accounts/tenantuser/{end_user.pk}/change/",
        _user_body(tenant, email=end_user.email, new_password="", roles=[str(foreign_role.pk)]),
    )
    # then
    assert resp.status_code == 200
    assert "roles" in resp.context["adminform"].form.errors
    assert list(end_user.roles.all()) == []


def test_staff_gives_a_role_of_their_tenant(staff_client, tenant, other_tenant, end_user):
    # given
    role = role_create(tenant=tenant, name="editor")
    role_create(tenant=other_tenant, name="editor")
    form = staff_client.get(f"/admin/accounts/tenantuser/{end_user.pk}/change/").context["adminform"].form
    # when
    resp = staff_client.post(
        f"/admin/accounts/tenantuser/{end_user.pk}/change/",
        _user_body(tenant, email=end_user.email, new_password="", roles=[str(role.pk)]),
    )
    # then
    assert list(form.fields["roles"].queryset) == [role]
    assert resp.status_code == 302
    assert list(end_user.roles.all()) == [role]


def test_a_duplicate_email_is_a_form_error(staff_client, tenant, end_user):
    # when
    resp = staff_client.post(
        "/admin/accounts/tenantuser/add/", _user_body(tenant, email=end_user.email.upper())
    )
    # then
    assert resp.status_code == 200
    assert resp.context["adminform"].form.errors
    assert TenantUser.objects.count() == 1


def test_changing_the_email_onto_another_users_is_a_form_error(staff_client, tenant, end_user):
    # given
    bob = make_user(tenant, email="bob@example.test")
    # when
    resp = staff_client.post(
        f"/admin/accounts/tenantuser/{bob.pk}/change/",
        _user_body(tenant, email=end_user.email.upper(), new_password=""),
    )
    # then
    assert resp.status_code == 200
    assert resp.context["adminform"].form.non_field_errors() == ["The specified new email already exists."]
    assert TenantUser.objects.get(pk=bob.pk).email == "bob@example.test"


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800"], ids=["nul", "lone-surrogate"])
def test_unstorable_text_in_metadata_is_a_form_error(staff_client, tenant, end_user, escape):
    # when
    resp = staff_client.post(
        f"/admin/accounts/tenantuser/{end_user.pk}/change/",
        _user_body(tenant, email=end_user.email, app_metadata=f'{{"plan": "a{escape}b"}}', new_password=""),
    )
    # then
    assert resp.status_code == 200
    assert resp.context["adminform"].form.errors == {
        "app_metadata": ["Null characters and lone surrogates are not allowed."]
    }
    end_user.refresh_from_db()
    assert end_user.app_metadata == {}


def test_staff_adds_a_role(staff_client, tenant):
    # when
    resp = staff_client.post("/admin/accounts/role/add/", {"tenant": str(tenant.pk), "name": "auditor"})
    # then
    assert resp.status_code == 302
    assert list(Role.objects.values_list("tenant__slug", "name")) == [("acme", "auditor")]


def test_staff_gives_a_user_a_permission(staff_client, tenant, rs256_api, end_user):
    # when
    resp = staff_client.post(
        "/admin/accounts/permission/add/",
        {"resource_server": str(rs256_api.pk), "permission_name": "read:items", "user": str(end_user.pk)},
    )
    # then
    assert resp.status_code == 302
    assert list(Permission.objects.values_list("tenant__slug", "permission_name", "user", "role")) == [
        ("acme", "read:items", end_user.pk, None)
    ]


def test_a_permission_the_api_does_not_define_is_a_form_error(staff_client, rs256_api, end_user):
    # when: only the service knows the API's scopes; its refusal must not be a 500
    resp = staff_client.post(
        "/admin/accounts/permission/add/",
        {
            "resource_server": str(rs256_api.pk),
            "permission_name": "delete:everything",
            "user": str(end_user.pk),
        },
    )
    # then
    assert resp.status_code == 200
    assert resp.context["adminform"].form.non_field_errors() == [
        f'Permission "delete:everything" is not a scope of API {rs256_api.identifier}.'
    ]
    assert not Permission.objects.exists()


def test_a_permission_needs_exactly_one_holder(staff_client, rs256_api, tenant):
    # given
    user = make_user(tenant, email="carol@example.test")
    role = role_create(tenant=tenant, name="editor")
    # when
    both = staff_client.post(
        "/admin/accounts/permission/add/",
        {
            "resource_server": str(rs256_api.pk),
            "permission_name": "read:items",
            "user": str(user.pk),
            "role": str(role.pk),
        },
    )
    # then
    assert both.status_code == 200
    assert (
        "Give the permission to exactly one of a user or a role."
        in both.context["adminform"].form.non_field_errors()
    )
    assert not Permission.objects.exists()


def test_staff_renames_a_role(staff_client, tenant):
    # given
    role = role_create(tenant=tenant, name="editor")
    # when
    resp = staff_client.post(
        f"/admin/accounts/role/{role.pk}/change/", {"name": "writer", "description": "Writes"}
    )
    # then
    assert resp.status_code == 302
    role.refresh_from_db()
    assert (role.name, role.description) == ("writer", "Writes")


def test_renaming_a_role_onto_another_is_a_form_error(staff_client, tenant):
    # given: the tenant is read-only on change, so only the service sees the clash (409 Conflict)
    role_create(tenant=tenant, name="admin")
    role = role_create(tenant=tenant, name="editor")
    # when
    resp = staff_client.post(f"/admin/accounts/role/{role.pk}/change/", {"name": "admin", "description": ""})
    # then
    assert resp.status_code == 200
    assert resp.context["adminform"].form.non_field_errors() == ["A role with this name already exists."]
    role.refresh_from_db()
    assert role.name == "editor"


def test_removing_a_role_from_a_user(staff_client, tenant, end_user):
    # given
    keep, drop = role_create(tenant=tenant, name="keep"), role_create(tenant=tenant, name="drop")
    end_user.roles.add(keep, drop)
    # when
    resp = staff_client.post(
        f"/admin/accounts/tenantuser/{end_user.pk}/change/",
        _user_body(tenant, email=end_user.email, new_password="", roles=[str(keep.pk)]),
    )
    # then
    assert resp.status_code == 302
    assert list(end_user.roles.all()) == [keep]


def test_staff_withdraws_a_permission(staff_client, tenant, rs256_api, end_user):
    # given
    permissions_add(resource_server=rs256_api, permission_names=["read:items", "write:items"], user=end_user)
    read = Permission.objects.get(permission_name="read:items")
    # when
    resp = staff_client.post(f"/admin/accounts/permission/{read.pk}/delete/", {"post": "yes"})
    # then
    assert resp.status_code == 302
    assert list(Permission.objects.values_list("permission_name", flat=True)) == ["write:items"]
