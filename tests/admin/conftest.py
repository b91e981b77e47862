"""Admin fixtures: a superuser, and a staff user who administers tenant "acme" only."""

import pytest

from tenants.services import tenant_membership_add


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.test", "pw"))
    return client


@pytest.fixture
def staff_user(django_user_model, tenant):
    user = django_user_model.objects.create_user("alice", "alice@example.test", "pw", is_staff=True)
    tenant_membership_add(tenant=tenant, user=user)
    return user


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client
