"""What clients see when a dependency is down (README, Reliability): the database gone is a 503 in
each protocol's own shape, never an HTML 500; the cache gone stops password checks (fail closed)
and nothing else. `make soak` does the same against real PostgreSQL and Redis servers it stops."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client as HttpClient
from redis.exceptions import ConnectionError as RedisConnectionError

from core.brute_force import UNAVAILABLE_MESSAGE
from core.unavailable import UNAVAILABLE_MESSAGE as DB_UNAVAILABLE
from tests.factories import DEFAULT_PASSWORD
from tests.management.conftest import token_for


@pytest.fixture
def http():
    return HttpClient(raise_request_exception=False)


@pytest.fixture
def database_down():
    with mock.patch.object(
        CursorWrapper, "execute", side_effect=OperationalError("server closed the connection")
    ):
        yield


def test_token_endpoint_answers_rfc6749_503_while_the_database_is_down(http, tenant, m2m_app, rs256_api):
    # given
    body = {"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds}
    with mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError("down")):
        # when
        resp = http.post("/acme/oauth/token", body)
    # then
    assert resp.status_code == 503
    assert resp["Content-Type"] == "application/json"
    assert resp["Retry-After"] == "5"
    assert resp.json() == {"error": "temporarily_unavailable", "error_description": DB_UNAVAILABLE}
    # and it recovers without a restart
    assert http.post("/acme/oauth/token", body).status_code == 200


def test_userinfo_and_discovery_answer_rfc6749_503(http, tenant, database_down):
    for resp in (
        http.get("/acme/userinfo", HTTP_AUTHORIZATION="Bearer x"),
        http.get("/acme/.well-known/openid-configuration"),
    ):
        assert resp.status_code == 503
        assert resp.json()["error"] == "temporarily_unavailable"


def test_management_api_answers_auth0_503(http, tenant):
    token = token_for(tenant, ["read:resource_servers"])
    with mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError("down")):
        resp = http.get("/acme/api/v2/resource-servers", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert resp.status_code == 503
    assert resp.json() == {
        "statusCode": 503,
        "error": "Service Unavailable",
        "message": DB_UNAVAILABLE,
        "errorCode": "temporarily_unavailable",
    }


def test_readyz_says_503(http, db, database_down):
    resp = http.get("/readyz")
    assert resp.status_code == 503
    assert resp.json()["status"] == "unavailable"


def test_any_other_uncaught_error_in_the_token_endpoint_is_rfc6749_json(http, tenant, m2m_app, rs256_api):
    body = {"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds}
    with mock.patch("tokens.grants.exchange.token_decide", side_effect=RuntimeError("bug")):
        resp = http.post("/acme/oauth/token", body)
    assert resp.status_code == 500
    assert resp.json() == {
        "error": "server_error",
        "error_description": "The server met an unexpected error.",
    }


@pytest.fixture
def cache_down():
    down = RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch("core.brute_force.cache.add", side_effect=down),
        mock.patch("core.brute_force.cache.incr", side_effect=down),
        mock.patch("core.brute_force.cache.get", side_effect=down),
        mock.patch("core.brute_force.cache.set", side_effect=down),
        mock.patch("core.brute_force.cache.delete", side_effect=down),
    ):
        yield


def test_password_grant_fails_closed_without_the_cache(http, tenant, password_app, end_user, cache_down):
    # given a right password: it is not even checked, since the attempt cannot be counted
    body = {
        "grant_type": "password",
        "username": end_user.email,
        "password": DEFAULT_PASSWORD,
        **password_app.creds,
    }
    # when
    resp = http.post("/acme/oauth/token", body)
    # then
    assert resp.status_code == 503
    assert resp.json() == {"error": "temporarily_unavailable", "error_description": UNAVAILABLE_MESSAGE}


def test_client_credentials_are_still_issued_without_the_cache(http, tenant, m2m_app, rs256_api, cache_down):
    body = {"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds}
    assert http.post("/acme/oauth/token", body).status_code == 200
