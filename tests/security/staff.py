"""Who attacks through the admin: a staff member of "acme", and a superuser (as tests/admin/conftest.py)."""

import pytest

from tenants.services import tenant_membership_add


@pytest.fixture(params=["staff", "superuser"])
def admin_client(request, client, django_user_model, tenant):
    if request.param == "superuser":
        user = django_user_model.objects.create_superuser("root", "root@example.test", "pw")
    else:
        user = django_user_model.objects.create_user("alice", "alice@example.test", "pw", is_staff=True)
        tenant_membership_add(tenant=tenant, user=user)
    client.force_login(user)
    return client
