"""Tenant hosts and custom domains (SPEC section 1): tenants answer at `{slug}.auth.example.test:8000`
(PUBLIC_URL's scheme and port) as well as under `http://127.0.0.1:8000/{slug}/`. Requests name their
host with the test client's HTTP_HOST, as a browser or SDK sends it."""

import itertools
import json

import pytest
from django.core.cache import cache
from django.test import Client as HttpClient

from apis.system import MANAGEMENT_SCOPES
from tests import factories

TENANT_DOMAIN = "auth.example.test"
ACME_HOST = "acme.auth.example.test:8000"
ACME_ISSUER = "http://acme.auth.example.test:8000/"
ACME_PATH_ISSUER = "http://127.0.0.1:8000/acme/"
PUBLIC_HOST = "127.0.0.1:8000"

_names = itertools.count()


@pytest.fixture(autouse=True)
def tenant_domain(settings):
    """TENANT_DOMAIN is set before any tenant is made, as on a server started with it."""
    settings.TENANT_DOMAIN = TENANT_DOMAIN
    cache.clear()  # discovery documents of an earlier test's tenants under the same slugs
    return TENANT_DOMAIN


@pytest.fixture
def tenant(tenant_domain, db):
    return factories.make_tenant("acme", friendly_name="Acme")


@pytest.fixture
def other_tenant(tenant_domain, db):
    return factories.make_tenant("other", friendly_name="Other")


def on(host: str) -> HttpClient:
    """A test client whose requests name `host` in their Host header."""
    return HttpClient(HTTP_HOST=host)


def token_via(host: str, path: str, tenant, scopes=MANAGEMENT_SCOPES, *, audience: str | None = None) -> dict:
    """A client-credentials token of a new client of `tenant` granted `scopes` on the system API,
    asked for at `{host}{path}oauth/token` (path "/" on a tenant host, "/acme/" on PUBLIC_URL's)."""
    from apis.selectors import resource_server_find

    system_api = resource_server_find(tenant=tenant, identifier=tenant.management_audience)
    app, secret = factories.make_client(tenant, name=f"caller {next(_names)}")
    factories.make_grant(app, system_api, scope=list(scopes))
    response = on(host).post(
        f"{path}oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": secret,
            "audience": audience or tenant.management_audience,
        },
    )
    assert response.status_code == 200, response.content
    return response.json()


def call(host: str, method: str, path: str, token: str | None, body=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
    return getattr(on(host), method.lower())(path, **kwargs, **headers)
