"""The Host check's answers are kept per header (tenants.hosts._HostAnswers): what the settings decide
follows a change of settings, what the database decides (custom domains) is read on every request,
and sprayed Host headers neither grow memory nor break the real hosts."""

import pytest

from tenants import hosts
from tests.domains.conftest import ACME_HOST, ACME_ISSUER, PUBLIC_HOST, on


def _issuer(host: str, path: str = "/") -> str:
    response = on(host).get(f"{path}.well-known/openid-configuration")
    assert response.status_code == 200, response.content
    return response.json()["issuer"]


def test_a_change_of_tenant_domain_is_seen_by_the_next_request(settings, tenant):
    # given: the tenant host answered once, so its answer is kept
    assert _issuer(ACME_HOST) == ACME_ISSUER

    # when
    settings.TENANT_DOMAIN = "login.example.test"

    # then: the old tenant host is unknown, the new one serves the tenant
    old = on(ACME_HOST).get("/.well-known/openid-configuration")
    assert old.status_code == 400
    assert old.json()["error"] == "invalid_request"
    assert _issuer("acme.login.example.test:8000") == "http://acme.login.example.test:8000/"


def test_a_change_of_public_url_is_seen_by_the_next_request(settings, tenant):
    # given
    assert _issuer(PUBLIC_HOST, "/acme/") == "http://127.0.0.1:8000/acme/"

    # when
    settings.PUBLIC_URL = "http://authport.example.test:8000"

    # then
    assert _issuer("authport.example.test:8000", "/acme/") == "http://authport.example.test:8000/acme/"


@pytest.mark.parametrize("host", ["bad host", "acme.auth.example.test:8000:9", "[::1"])
def test_a_host_django_refuses_is_400_json_every_time(tenant, host):
    for _ in range(3):
        # when
        response = on(host).get("/.well-known/openid-configuration")
        # then
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert response.json()["error_description"].startswith(f"Unknown host: {host}")


def test_sprayed_host_headers_keep_memory_bounded_and_the_real_hosts_working(tenant):
    # when
    for n in range(hosts._HostAnswers.LIMIT + 500):
        response = on(f"spray-{n}.example.test").get("/healthz")
        assert response.status_code == 400

    # then
    assert len(hosts._host_answers._answers) <= hosts._HostAnswers.LIMIT
    assert _issuer(ACME_HOST) == ACME_ISSUER
    assert _issuer(PUBLIC_HOST, "/acme/") == "http://127.0.0.1:8000/acme/"
