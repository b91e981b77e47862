"""Management API: users, roles and RBAC permissions (SPEC section 5; Auth0 `/api/v2/users`, `/roles`)."""

import json

import pytest

from accounts.models import Permission, Role, TenantUser
from accounts.selectors import user_permissions
from tenants.models import USER_DATABASE
from tests import factories
from tests.management.conftest import assert_error

DB = USER_DATABASE


def _perm(name: str, identifier: str = "https://api.acme.test/") -> dict:
    return {"resource_server_identifier": identifier, "permission_name": name}


def test_create_user_hashes_the_password_and_never_shows_it(mgmt, tenant):
    # when
    response = mgmt(
        "POST",
        "users",
        {
            "connection": DB,
            "email": "bob@example.test",
            "password": "s3cret pass",
            "name": "Bob",
            "email_verified": True,
            "app_metadata": {"plan": "gold"},
            "verify_email": False,
        },
    )

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    user = TenantUser.objects.for_tenant(tenant).get(email="bob@example.test")
    assert "password" not in body
    assert user.check_password("s3cret pass")
    assert (body["user_id"], body["name"], body["email_verified"], body["app_metadata"]) == (
        user.user_id,
        "Bob",
        True,
        {"plan": "gold"},
    )
    assert body["connection"] == DB
    assert body["identities"] == [
        {
            "connection": DB,
            "provider": "auth0",
            "user_id": user.user_id.removeprefix("auth0|"),
            "isSocial": False,
        }
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"email": "a@b.test", "password": "pw"}, "connection", id="missing-connection"),
        pytest.param(
            {"connection": "google-oauth2", "email": "a@b.test", "password": "pw"},
            "connection",
            id="other-connection",
        ),
        pytest.param({"connection": DB, "email": "not an email", "password": "pw"}, "email", id="bad-email"),
        pytest.param({"connection": DB, "email": "a@b.test"}, "password", id="missing-password"),
        pytest.param(
            {"connection": DB, "email": "a@b.test", "password": "pw", "picture": "nope"},
            "picture",
            id="bad-picture-url",
        ),
        pytest.param(
            {"connection": DB, "email": "a@b.test", "password": "pw", "app_metadata": []},
            "app_metadata",
            id="metadata-not-an-object",
        ),
        pytest.param(
            {"connection": DB, "email": "a@b.test", "password": "pw", "user_metadata": {"a": "x\u0000y"}},
            "user_metadata",
            id="metadata-with-nul",
        ),
        pytest.param(
            {"connection": DB, "email": "a@b.test", "password": "pw", "blocked": "no"},
            "blocked",
            id="blocked-not-a-boolean",
        ),
        pytest.param(
            {"connection": DB, "email": "a@b.test", "password": "pw", "username": "a"},
            "username",
            id="unknown-field",
        ),
    ],
)
def test_bad_user_bodies_are_400_naming_the_field(mgmt, tenant, body, field):
    # when
    response = mgmt("POST", "users", body)

    # then
    error = assert_error(response, 400, "invalid_body")
    assert f"property {field}" in error["message"] or f"not allowed: {field}" in error["message"], error
    assert not TenantUser.objects.for_tenant(tenant).exists()


def test_duplicate_email_is_409(mgmt, tenant, end_user):
    # when
    response = mgmt(
        "POST", "users", {"connection": DB, "email": end_user.email.upper(), "password": "long enough"}
    )

    # then
    assert_error(response, 409, "conflict", "The user already exists.")
    assert TenantUser.objects.for_tenant(tenant).count() == 1


def test_patching_the_email_onto_another_users_is_409(mgmt, tenant, end_user):
    # given
    bob = factories.make_user(tenant, email="bob@example.test")

    # when
    response = mgmt("PATCH", f"users/{bob.user_id}", {"email": end_user.email.upper()})

    # then
    assert_error(response, 409, "conflict", "The specified new email already exists.")
    assert TenantUser.objects.get(pk=bob.pk).email == "bob@example.test"


def test_patch_user_password_and_block(mgmt, end_user):
    # when
    response = mgmt(
        "PATCH", f"users/{end_user.user_id}", {"password": "new pass", "blocked": True, "name": None}
    )

    # then
    assert response.status_code == 200
    user = TenantUser.objects.get(pk=end_user.pk)
    assert user.check_password("new pass")
    assert user.blocked
    assert user.name == "Alice Example"


def test_user_of_another_tenant_is_404(mgmt, other_tenant):
    # given
    theirs = factories.make_user(other_tenant, email="carol@example.test")

    # when
    responses = [
        mgmt("GET", f"users/{theirs.user_id}"),
        mgmt("PATCH", f"users/{theirs.user_id}", {"blocked": True}),
        mgmt("DELETE", f"users/{theirs.user_id}"),
        mgmt("GET", f"users/{theirs.user_id}/permissions"),
        mgmt("GET", f"users/{theirs.user_id}/roles"),
    ]

    # then
    for response in responses:
        assert_error(response, 404, "inexistent_user")
    assert TenantUser.objects.get(pk=theirs.pk).blocked is False


def test_delete_user(mgmt, end_user):
    response = mgmt("DELETE", f"users/{end_user.user_id}")
    assert response.status_code == 204
    assert not TenantUser.objects.filter(pk=end_user.pk).exists()


def test_user_permissions_direct_and_through_roles(mgmt, tenant, rs256_api, end_user):
    # given
    role = mgmt("POST", "roles", {"name": "Writer", "description": "Writes items"}).json()
    assert (
        mgmt("POST", f"roles/{role['id']}/permissions", {"permissions": [_perm("write:items")]}).status_code
        == 201
    )

    # when
    direct = mgmt("POST", f"users/{end_user.user_id}/permissions", {"permissions": [_perm("read:items")]})
    assigned = mgmt("POST", f"users/{end_user.user_id}/roles", {"roles": [role["id"]]})

    # then
    assert (direct.status_code, assigned.status_code) == (201, 201)
    assert user_permissions(user=end_user, resource_server=rs256_api) == {"read:items", "write:items"}
    listed = mgmt("GET", f"users/{end_user.user_id}/permissions").json()
    assert listed == [
        {
            "permission_name": "write:items",
            "resource_server_identifier": rs256_api.identifier,
            "resource_server_name": "Acme API",
            "description": "Write items",
            "sources": [{"source_id": role["id"], "source_name": "Writer", "source_type": "ROLE"}],
        },
        {
            "permission_name": "read:items",
            "resource_server_identifier": rs256_api.identifier,
            "resource_server_name": "Acme API",
            "description": "Read items",
            "sources": [{"source_id": "", "source_name": "", "source_type": "DIRECT"}],
        },
    ]
    assert mgmt("GET", f"users/{end_user.user_id}/roles").json() == [
        {"id": role["id"], "name": "Writer", "description": "Writes items"}
    ]

    # when
    removed_perm = mgmt(
        "DELETE", f"users/{end_user.user_id}/permissions", {"permissions": [_perm("read:items")]}
    )
    removed_role = mgmt("DELETE", f"users/{end_user.user_id}/roles", {"roles": [role["id"]]})

    # then
    assert (removed_perm.status_code, removed_role.status_code) == (204, 204)
    assert user_permissions(user=end_user, resource_server=rs256_api) == set()


@pytest.mark.parametrize(
    ("body", "status", "error_code"),
    [
        pytest.param(
            {"permissions": [_perm("delete:items")]}, 400, "invalid_body", id="scope-not-on-the-api"
        ),
        pytest.param(
            {"permissions": [_perm("read:items", "https://nowhere.test/")]},
            404,
            "inexistent_resource_server",
            id="unknown-api",
        ),
        pytest.param({"permissions": []}, 400, "invalid_body", id="empty-list"),
        pytest.param(
            {"permissions": [{"permission_name": "read:items"}]}, 400, "invalid_body", id="missing-identifier"
        ),
        pytest.param(
            {"permissions": [_perm("read:items"), _perm("nope:items")]},
            400,
            "invalid_body",
            id="all-or-nothing",
        ),
    ],
)
def test_bad_permission_assignments_change_nothing(mgmt, rs256_api, end_user, body, status, error_code):
    # when
    response = mgmt("POST", f"users/{end_user.user_id}/permissions", body)

    # then
    assert_error(response, status, error_code)
    assert not Permission.objects.filter(user=end_user).exists()


def test_roles_crud(mgmt, tenant):
    # when
    created = mgmt("POST", "roles", {"name": "Reader"})
    role_id = created.json()["id"]
    duplicate = mgmt("POST", "roles", {"name": "Reader"})
    patched = mgmt("PATCH", f"roles/{role_id}", {"description": "Reads things"})
    listed = mgmt("GET", "roles", query={"include_totals": "true"}).json()
    deleted = mgmt("DELETE", f"roles/{role_id}")

    # then
    assert created.status_code == 201
    assert role_id.startswith("rol_")
    assert_error(duplicate, 409, "conflict")
    assert patched.json() == {"id": role_id, "name": "Reader", "description": "Reads things"}
    assert listed == {"roles": [patched.json()], "start": 0, "limit": 50, "total": 1}
    assert deleted.status_code == 204
    assert not Role.objects.for_tenant(tenant).exists()


def test_role_of_another_tenant_cannot_be_assigned_or_read(mgmt, other_tenant, end_user):
    # given
    theirs = Role.objects.create(tenant=other_tenant, name="Theirs")

    # when
    assigned = mgmt("POST", f"users/{end_user.user_id}/roles", {"roles": [theirs.public_id]})
    read = mgmt("GET", f"roles/{theirs.public_id}")

    # then
    assert_error(assigned, 404, "inexistent_role")
    assert_error(read, 404, "inexistent_role")
    assert not end_user.roles.exists()


@pytest.mark.parametrize("text", ["\x00", "\ud800"], ids=["nul", "lone-surrogate"])
def test_unstorable_text_in_metadata_is_invalid_body(mgmt, text):
    # when: JSON can carry both; the database can hold neither
    response = mgmt(
        "POST",
        "users",
        raw=json.dumps(
            {
                "email": "meta@example.test",
                "password": "s3cret pass",
                "connection": "Username-Password-Authentication",
                "app_metadata": {"note": text},
            }
        ),
    )
    # then
    body = assert_error(response, 400, "invalid_body")
    assert "app_metadata" in body["message"]
