"""The token endpoint's hot path: how many queries a client-credentials token costs (not how long)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from logs.models import LogEvent


@pytest.mark.parametrize("api_fixture", ["rs256_api", "hs256_api"])
def test_client_credentials_token_costs_one_query(client, tenant, m2m_app, api_fixture, request):
    # given: a warmed-up process (the signing key is loaded once per process and kid)
    api = request.getfixturevalue(api_fixture)
    body = json.dumps({"grant_type": "client_credentials", "audience": api.identifier, **m2m_app.creds})
    assert (
        client.post(f"/{tenant.slug}/oauth/token", body, content_type="application/json").status_code == 200
    )
    # when
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/{tenant.slug}/oauth/token", body, content_type="application/json")
    # then: the client (with its tenant) and the API (with grant and current kid) are one statement;
    # the log event is the only write, and only because the tests store events within the request
    # (LOG_EVENTS_SYNC): served, a writer thread stores them in batches, off the request.
    statements = [q["sql"] for q in captured.captured_queries]
    log_write = [s for s in statements if "logs_log" in s or "SAVEPOINT" in s.upper()]  # events, details
    assert len(statements) - len(log_write) == 1, statements
    assert response.status_code == 200
    assert LogEvent.objects.filter(
        log_id=response["Authport-Log-Id"]
    ).exists()  # COPY on PostgreSQL: not captured
    assert response.json()["token_type"] == "Bearer"
