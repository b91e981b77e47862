"""Fixtures for the Management API suite (SPEC section 5): tokens are obtained from the tenant's own
token endpoint, exactly as an Auth0 SDK gets them, and every call goes through HTTP."""

import itertools
import json
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test import Client as HttpClient

from apis.selectors import resource_server_find
from provisioning.services import MANAGEMENT_SCOPES
from tests import factories

_names = itertools.count()


def management_api(tenant):
    return resource_server_find(tenant=tenant, identifier=tenant.management_audience)


def token_for(tenant, scopes, *, api=None) -> str:
    """A client-credentials token of `tenant` carrying exactly `scopes`, for its management audience
    (or for `api`): a new client granted those scopes asks the token endpoint for it."""
    target = api or management_api(tenant)
    app, secret = factories.make_client(tenant, name=f"caller {next(_names)}")
    factories.make_grant(app, target, scope=list(scopes))
    response = HttpClient().post(
        f"/{tenant.slug}/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": secret,
            "audience": target.identifier,
        },
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@dataclass
class ManagementApi:
    """Calls `/{slug}/api/v2/{path}` with a JSON body and a Bearer token."""

    http: HttpClient
    slug: str
    token: str | None = None

    def __call__(
        self, method: str, path: str, body=None, *, token: str | None = "default", query=None, raw=None
    ):
        url = f"/{self.slug}/api/v2/{path}"
        if query:
            url += "?" + urlencode(query, doseq=True)
        token = self.token if token == "default" else token
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"content_type": "application/json"} if data is not None else {}
        if data is not None:
            kwargs["data"] = data
        return getattr(self.http, method.lower())(url, **kwargs, **headers)


def assert_error(response, status: int, error_code: str, message: str | None = None) -> dict:
    """Auth0's error body: exact status, errorCode and (when given) message."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"statusCode", "error", "message", "errorCode"}, body
    assert body["statusCode"] == status
    assert body["errorCode"] == error_code, body
    if message is not None:
        assert body["message"] == message, body
    return body


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Tenants are rebuilt under the same slugs in every test; a cache from an earlier test is stale."""
    cache.clear()
    return


@pytest.fixture
def api_token(tenant) -> str:
    return token_for(tenant, MANAGEMENT_SCOPES)


@pytest.fixture
def mgmt(client, tenant, api_token) -> ManagementApi:
    """The tenant's Management API, called with a token holding every management scope."""
    return ManagementApi(client, tenant.slug, api_token)
