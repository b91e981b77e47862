"""TENANT_DOMAIN at start (SPEC sections 1 and 8): a bare DNS name, or the service refuses to start;
what the admin tells a developer to use as an SDK's domain."""

import pytest

from tests import factories
from tests.ops.test_configuration import start


@pytest.mark.parametrize(
    "value",
    [
        "https://auth.example.com",
        "auth.example.com:8443",
        "auth.example.com/x",
        "localhost",
        "*.auth.example.com",
    ],
)
def test_a_tenant_domain_that_is_not_a_bare_dns_name_is_refused_in_one_line(value):
    # when
    done = start(TENANT_DOMAIN=value)

    # then
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("Authport cannot start: TENANT_DOMAIN must be a DNS name")
    assert repr(value) in done.stderr


def test_a_bare_tenant_domain_starts():
    done = start(TENANT_DOMAIN="Auth.Example.com")

    assert done.returncode == 0, done.stderr


def test_the_admin_quick_start_names_the_tenant_host(client, django_user_model, tenant):
    # given
    app, _ = factories.make_client(tenant, name="M2M")
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.test", "pw"))

    # when
    page = client.get(f"/admin/clients/client/{app.pk}/change/").content.decode()

    # then: a bare domain, as Auth0's SDKs take it
    assert "GetToken(&quot;acme.auth.example.test:8000&quot;" in page
    assert "http://acme.auth.example.test:8000/oauth/token" in page
