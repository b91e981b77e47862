"""End users of a tenant's database: hashed passwords, one email per tenant (SPEC 5)."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role, TenantUser
from accounts.services import role_create, user_create, user_update
from core.exceptions import Conflict
from tests import factories


def test_password_is_hashed(tenant):
    # when
    user = factories.make_user(tenant, email="alice@example.test", password=factories.DEFAULT_PASSWORD)

    # then
    stored = TenantUser.objects.get(pk=user.pk)
    assert factories.DEFAULT_PASSWORD not in stored.password
    assert stored.check_password(factories.DEFAULT_PASSWORD) is True
    assert stored.check_password("wrong password") is False
    assert stored.user_id.startswith("auth0|")


def test_duplicate_email_in_a_tenant_is_rejected_case_insensitively(tenant):
    # given
    factories.make_user(tenant, email="alice@example.test")

    # when
    with pytest.raises(Conflict) as excinfo:
        user_create(tenant=tenant, email="Alice@Example.TEST", password="another password")

    # then
    assert (excinfo.value.status, excinfo.value.message) == (409, "The user already exists.")
    assert list(TenantUser.objects.for_tenant(tenant).values_list("email", flat=True)) == [
        "alice@example.test"
    ]


def test_database_rejects_duplicate_email_case_insensitively(tenant):
    # given
    factories.make_user(tenant, email="alice@example.test")

    # when: a write that skips the service
    with pytest.raises(IntegrityError), transaction.atomic():
        TenantUser.objects.create(tenant=tenant, email="ALICE@example.test", password="x")

    # then
    assert TenantUser.objects.for_tenant(tenant).count() == 1


def test_same_email_is_allowed_in_two_tenants(tenant, other_tenant):
    # given
    first = factories.make_user(tenant, email="alice@example.test")

    # when
    second = factories.make_user(other_tenant, email="alice@example.test")

    # then
    assert (first.tenant, second.tenant) == (tenant, other_tenant)
    assert first.user_id != second.user_id
    assert TenantUser.objects.filter(email="alice@example.test").count() == 2


def test_changing_the_email_onto_another_users_is_a_conflict(tenant):
    # given
    factories.make_user(tenant, email="alice@example.test")
    bob = factories.make_user(tenant, email="bob@example.test")

    # when
    with pytest.raises(Conflict) as excinfo:
        user_update(user=TenantUser.objects.get(pk=bob.pk), email="ALICE@example.test")

    # then
    assert (excinfo.value.status, excinfo.value.message) == (409, "The specified new email already exists.")
    assert TenantUser.objects.get(pk=bob.pk).email == "bob@example.test"


def test_a_role_created_concurrently_under_the_same_name_is_a_conflict(tenant, monkeypatch):
    # given: another request commits "Reader" while this one is validating its own "Reader"
    real_full_clean = Role.full_clean

    def full_clean_while_a_competitor_commits(self, *args, **kwargs):
        Role.objects.bulk_create([Role(tenant=tenant, name="Reader")])
        return real_full_clean(self, *args, **kwargs)

    monkeypatch.setattr(Role, "full_clean", full_clean_while_a_competitor_commits)

    # when
    with pytest.raises(Conflict) as excinfo:
        role_create(tenant=tenant, name="Reader")

    # then
    assert (excinfo.value.status, excinfo.value.message) == (409, "A role with this name already exists.")
    # and nothing was written: the simulated competitor ran inside this transaction, so it went too
    assert not Role.objects.for_tenant(tenant).exists()
