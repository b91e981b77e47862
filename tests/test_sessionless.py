"""Protocol endpoints skip the session, CSRF, auth and messages middleware (core/sessionless.py);
their answers still carry what that middleware would have added and they need."""

import json
import time

import pytest
from django.db import connection, connections

from core.postgresql.base import DatabaseWrapper


def test_the_token_endpoint_answers_without_session_or_csrf_cookies(client, tenant, m2m_app, rs256_api):
    # given
    body = json.dumps({"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds})
    # when
    resp = client.post("/acme/oauth/token", body, content_type="application/json")
    # then
    assert resp.status_code == 200
    assert resp.cookies == {}
    assert resp["Content-Length"] == str(len(resp.content))
    assert resp["X-Frame-Options"] == "DENY"
    assert resp["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware runs before
    assert resp.wsgi_request.resolver_match.url_name == "token"
    assert not hasattr(resp.wsgi_request, "session")


@pytest.mark.parametrize(
    "path",
    [
        "/acme/.well-known/jwks.json",
        "/acme/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server/acme/",
    ],
)
def test_published_documents_skip_the_session_middleware(client, tenant, path):
    # when
    resp = client.get(path)
    # then
    assert resp.status_code == 200
    assert not hasattr(resp.wsgi_request, "session")
    assert resp["X-Frame-Options"] == "DENY"


def test_the_login_page_still_goes_through_the_whole_chain(client, tenant):
    # when
    resp = client.get("/acme/login")
    # then
    assert hasattr(resp.wsgi_request, "session")
    assert hasattr(resp.wsgi_request, "user")


def test_an_unknown_path_ending_like_an_endpoint_is_django_s_404(client, db):
    # when
    resp = client.get("/acme/nothing/here/token")
    # then
    assert resp.status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL backend only")
@pytest.mark.django_db(transaction=True)
def test_the_postgresql_health_check_sees_a_connection_the_server_ended_without_a_query():
    # given: a live connection is usable, and says so without a round trip
    connection = connections["default"]
    assert isinstance(connection, DatabaseWrapper)
    connection.ensure_connection()
    assert connection.is_usable()
    # when: the server ends this connection (as a restart or pg_terminate_backend does)
    pid = connection.connection.info.backend_pid
    other = connection.copy()
    try:
        other.ensure_connection()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    time.sleep(0.2)
    # then
    assert not connection.is_usable()
    connection.close()


@pytest.mark.django_db
def test_kept_url_matches_follow_a_change_of_url_configuration(client, settings, tenant):
    # given: the token path resolved (and its match kept) under the real configuration
    assert client.post("/acme/oauth/token", {}).json()["error"] == "invalid_client"

    # when: the configuration changes, and changes back
    settings.ROOT_URLCONF = "tests.urlconfs.other_token"
    other = client.post("/acme/oauth/token", {})
    settings.ROOT_URLCONF = "authport.urls"
    real = client.post("/acme/oauth/token", {})

    # then: each answer comes from the configuration in force
    assert other.json() == {"served_by": "tests.urlconfs.other_token", "tenant": "acme"}
    assert real.json()["error"] == "invalid_client"


@pytest.mark.django_db
def test_a_thousand_unknown_token_paths_leave_the_real_one_working(client, tenant, m2m_app, rs256_api):
    # given: paths an attacker sprays, each resolved once and kept or evicted
    for n in range(1000):
        assert client.post(f"/no-such-{n}/oauth/token", {}).status_code in (400, 401, 404)

    # when
    body = json.dumps({"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds})
    resp = client.post("/acme/oauth/token", body, content_type="application/json")

    # then
    assert resp.status_code == 200
    assert resp.wsgi_request.resolver_match.url_name == "token"
