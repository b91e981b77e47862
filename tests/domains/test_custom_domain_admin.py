"""The admin's custom domains: tenant staff see their tenant's, only a superuser (the operator) makes
one live (SPEC section 1)."""

import pytest
from django.contrib.messages import get_messages

from tenants.domains import custom_domain_create
from tenants.models import CustomDomain

CHANGELIST = "/admin/tenants/customdomain/"


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.test", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(client, django_user_model, tenant):
    user = django_user_model.objects.create_user("staff", "staff@example.test", "pw", is_staff=True)
    tenant.memberships.create(user=user)
    client.force_login(user)
    return client


@pytest.fixture
def claimed(tenant, other_tenant):
    return (
        custom_domain_create(tenant=tenant, domain="login.acme.test"),
        custom_domain_create(tenant=other_tenant, domain="login.other.test"),
    )


def test_a_superuser_verifies_a_domain(superuser_client, claimed):
    # when
    response = superuser_client.post(
        CHANGELIST, {"action": "verify_domains", "_selected_action": [claimed[0].pk]}
    )

    # then
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "login.acme.test is ready: it serves acme (http://login.acme.test:8000/)."
    ]
    assert CustomDomain.objects.get(pk=claimed[0].pk).status == "ready"
    assert CustomDomain.objects.get(pk=claimed[1].pk).status == "pending_verification"


def test_tenant_staff_see_their_domains_and_cannot_verify(staff_client, claimed):
    # when
    page = staff_client.get(CHANGELIST)
    attempt = staff_client.post(CHANGELIST, {"action": "verify_domains", "_selected_action": [claimed[0].pk]})

    # then
    assert page.status_code == 200
    assert "login.acme.test" in page.content.decode()
    assert "login.other.test" not in page.content.decode()
    assert 'value="verify_domains"' not in page.content.decode()
    assert attempt.status_code in (200, 302)
    assert CustomDomain.objects.get(pk=claimed[0].pk).status == "pending_verification"
