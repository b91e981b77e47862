"""End users' passwords meet a policy (SPEC section 5): at least 8 characters, never the email address.

A one-character password falls to the first guesses of an online attack. The one service path
refuses it, so the Management API (as Auth0 answers: PasswordStrengthError), the admin (a form
error on the password) and the commands all do.
"""

import pytest

from accounts.errors import PasswordStrengthError
from accounts.models import TenantUser
from accounts.services import user_create, user_update
from provisioning.services import MANAGEMENT_SCOPES
from tenants.models import USER_DATABASE
from tests.admin.test_accounts import _user_body
from tests.factories import DEFAULT_PASSWORD
from tests.management.conftest import ManagementApi, token_for
from tests.security import staff

admin_client = staff.admin_client  # a staff member of acme, then a superuser

AUTH0_WEAK_PASSWORD = {
    "statusCode": 400,
    "error": "Bad Request",
    "message": "PasswordStrengthError: Password is too weak",
    "errorCode": "invalid_password",
}
WEAK = [
    pytest.param("a", id="one-character"),
    pytest.param("1234567", id="seven-characters"),
    pytest.param("bob@example.test", id="the-email"),
    pytest.param("BOB@Example.TEST", id="the-email-in-capitals"),
]


@pytest.fixture
def management(client, tenant) -> ManagementApi:
    return ManagementApi(client, tenant.slug, token_for(tenant, MANAGEMENT_SCOPES))


@pytest.mark.parametrize("password", WEAK)
def test_management_api_refuses_a_weak_password_on_create(management, tenant, password):
    # when
    resp = management(
        "POST", "users", {"connection": USER_DATABASE, "email": "bob@example.test", "password": password}
    )
    # then
    assert resp.status_code == 400
    assert resp.json() == AUTH0_WEAK_PASSWORD
    assert not TenantUser.objects.for_tenant(tenant).filter(email="bob@example.test").exists()


@pytest.mark.parametrize("password", ["a", "1234567", "alice@example.test", "ALICE@example.test"])
def test_management_api_refuses_a_weak_password_on_update(management, end_user, password):
    # when
    resp = management("PATCH", f"users/{end_user.user_id}", {"password": password, "name": "Renamed"})
    # then
    assert resp.status_code == 400
    assert resp.json() == AUTH0_WEAK_PASSWORD
    end_user.refresh_from_db()
    assert end_user.check_password(DEFAULT_PASSWORD)
    assert end_user.name == "Alice Example"


def test_a_password_equal_to_the_new_email_is_refused(management, end_user):
    # when
    resp = management(
        "PATCH",
        f"users/{end_user.user_id}",
        {"email": "carol@example.test", "password": "carol@example.test", "connection": USER_DATABASE},
    )
    # then
    assert resp.json() == AUTH0_WEAK_PASSWORD
    end_user.refresh_from_db()
    assert (end_user.email, end_user.check_password(DEFAULT_PASSWORD)) == ("alice@example.test", True)


def test_management_api_takes_an_eight_character_password(management, tenant):
    # when
    resp = management(
        "POST", "users", {"connection": USER_DATABASE, "email": "bob@example.test", "password": "8 chars!"}
    )
    # then
    assert resp.status_code == 201, resp.content
    assert TenantUser.objects.get(tenant=tenant, email="bob@example.test").check_password("8 chars!")


@pytest.mark.parametrize("password", WEAK)
def test_admin_refuses_a_weak_password_on_the_field(admin_client, tenant, password):
    # when
    resp = admin_client.post("/admin/accounts/tenantuser/add/", _user_body(tenant, new_password=password))
    # then
    assert resp.status_code == 200
    errors = resp.context["adminform"].form.errors
    assert list(errors) == ["new_password"]
    assert errors["new_password"][0] in (
        "The password must be at least 8 characters.",
        "The password cannot be the email address.",
    )
    assert not TenantUser.objects.for_tenant(tenant).filter(email="bob@example.test").exists()


def test_admin_refuses_a_weak_new_password_for_a_user(admin_client, tenant, end_user):
    # when
    resp = admin_client.post(
        f"/admin/accounts/tenantuser/{end_user.pk}/change/",
        _user_body(tenant, email=end_user.email, name="Renamed", new_password="short"),
    )
    # then
    assert resp.status_code == 200
    assert resp.context["adminform"].form.errors == {
        "new_password": ["The password must be at least 8 characters."]
    }
    end_user.refresh_from_db()
    assert (end_user.name, end_user.check_password(DEFAULT_PASSWORD)) == ("Alice Example", True)


def test_admin_takes_a_policy_password(admin_client, tenant):
    # when
    resp = admin_client.post("/admin/accounts/tenantuser/add/", _user_body(tenant, new_password="8 chars!"))
    # then
    assert resp.status_code == 302
    assert TenantUser.objects.get(tenant=tenant, email="bob@example.test").check_password("8 chars!")


@pytest.mark.parametrize("password", WEAK)
def test_the_service_refuses_a_weak_password_for_every_caller(tenant, end_user, password):
    # when / then: the commands (bootstrap_demo) and any other caller go through the same functions
    with pytest.raises(PasswordStrengthError):
        user_create(tenant=tenant, email="bob@example.test", password=password)
    with pytest.raises(PasswordStrengthError):
        user_update(user=end_user, email="bob@example.test", password=password)
    assert not TenantUser.objects.for_tenant(tenant).filter(email="bob@example.test").exists()
