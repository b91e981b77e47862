"""Prometheus metrics and the request log (README, "Observability").

In-process cases read this process's default registry; the live case runs gunicorn with two workers
and authport/gunicorn_conf.py, sends real traffic and scrapes the master's /metrics, as Prometheus does.
"""

import json
import logging
import uuid
from pathlib import Path

import pytest
import requests
from django.db import DatabaseError, connection, transaction
from django.test import Client as HttpClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from pythonjsonlogger.json import JsonFormatter

from bench.run import free_port
from core.metrics import log_events_lost
from tests.live import gunicorn

ROOT = Path(__file__).resolve().parents[2]


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def token(http, slug: str, **body):
    return http.post(f"/{slug}/oauth/token", body)


def test_token_decisions_are_counted_by_tenant_grant_and_outcome(client, tenant, m2m_app, rs256_api):
    # given
    labels = {"tenant": "acme", "grant_type": "client_credentials"}
    before = {
        o: value("authport_token_requests_total", **labels, outcome=o) for o in ("issued", "access_denied")
    }
    good = {"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds}

    # when: two tokens and one refusal for an unknown audience
    answers = [
        token(client, "acme", **good).status_code,
        token(client, "acme", **good).status_code,
        token(client, "acme", **{**good, "audience": "https://nope.test/"}).status_code,
    ]

    # then
    assert answers == [200, 200, 403]
    assert value("authport_token_requests_total", **labels, outcome="issued") - before["issued"] == 2
    assert (
        value("authport_token_requests_total", **labels, outcome="access_denied") - before["access_denied"]
        == 1
    )


def test_made_up_tenants_are_counted_as_unknown(client, db):
    # given: a slug no tenant has
    slug = f"x{uuid.uuid4().hex[:12]}"
    labels = {"grant_type": "client_credentials", "outcome": "not_found"}
    before = value("authport_token_requests_total", tenant="unknown", **labels)

    # when
    response = token(client, slug, grant_type="client_credentials", client_id="a", client_secret="b")

    # then: counted, without a series of its own
    assert (response.status_code, response.json()["error"]) == (404, "not_found")
    assert value("authport_token_requests_total", tenant="unknown", **labels) - before == 1
    assert value("authport_token_requests_total", tenant=slug, **labels) == 0


def test_jwks_and_management_api_latency_is_observed(client, tenant):
    # given
    count = "authport_http_request_duration_seconds_count"
    before = value(count, endpoint="jwks"), value(count, endpoint="management_api")

    # when
    jwks = client.get("/acme/.well-known/jwks.json")
    management = client.get("/acme/api/v2/resource-servers")  # no token: 401, still timed

    # then
    assert (jwks.status_code, management.status_code) == (200, 401)
    assert value(count, endpoint="jwks") - before[0] == 1
    assert value(count, endpoint="management_api") - before[1] == 1


def test_lost_log_events_are_counted():
    # given
    before = value("authport_log_events_lost_total")
    # when
    log_events_lost()
    log_events_lost(3)
    # then
    assert value("authport_log_events_lost_total") - before == 4


def test_database_errors_are_counted_by_class(db):
    # given
    with pytest.raises(DatabaseError) as raised, transaction.atomic():  # a savepoint: PostgreSQL goes on
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM no_such_table")
    kind = type(raised.value).__name__
    before = value("authport_db_errors_total", error=kind)

    # when
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM no_such_table")

    # then
    assert value("authport_db_errors_total", error=kind) - before == 1


def test_cache_errors_are_counted(settings, tenant, password_app, end_user):
    # given: a Redis nobody listens on (the backend a redis:// CACHE_URL gets); the password grant
    # counts attempts in the cache
    dead_redis = {
        "BACKEND": "core.redis_cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
    }
    # Django's setting_changed handler rebuilds the cache handler; a shared cache holds the attempts too
    settings.CACHES = {"default": dead_redis, "attempts": dead_redis}
    before = value("authport_cache_errors_total", error="ConnectionError")
    http = HttpClient(raise_request_exception=False)

    # when
    response = token(
        http, "acme", grant_type="password", username=end_user.email, password="wrong", **password_app.creds
    )

    # then: refused, failing closed (core/brute_force.py), and counted once
    assert (response.status_code, response.json()["error"]) == (503, "temporarily_unavailable")
    assert value("authport_cache_errors_total", error="ConnectionError") - before == 1


def test_request_log_carries_the_token_decision_as_fields(client, tenant, m2m_app, rs256_api, caplog):
    # given: the formatter LOG_FORMAT=json configures (authport/settings/base.py)
    from django.conf import settings

    options = dict(settings.LOGGING["formatters"]["json"])
    options.pop("()")
    formatter = JsonFormatter(**options)

    # when
    with caplog.at_level(logging.INFO, logger="authport.request"):
        token(client, "acme", grant_type="client_credentials", audience=rs256_api.identifier, **m2m_app.creds)

    # then: one JSON object per line, with the fields an operator filters on
    (record,) = [r for r in caplog.records if r.name == "authport.request"]
    line = json.loads(formatter.format(record))
    assert {k: line[k] for k in ("level", "logger", "method", "path", "status", "endpoint", "tenant")} == {
        "level": "INFO",
        "logger": "authport.request",
        "method": "POST",
        "path": "/acme/oauth/token",
        "status": 200,
        "endpoint": "token",
        "tenant": "acme",
    }
    assert (line["grant_type"], line["outcome"]) == ("client_credentials", "issued")
    assert line["duration_ms"] > 0
    assert m2m_app.secret not in formatter.format(record)


# Live: gunicorn, two workers, the multiprocess directory and the master's listener.


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    work = tmp_path_factory.mktemp("metrics")
    metrics_port = free_port()
    with gunicorn(
        work,
        *(
            "--config",
            "python:authport.gunicorn_conf",
            "--workers",
            "2",
            "--threads",
            "2",
            "--log-level",
            "warning",
        ),
        setup=(("create_tenant", "acme", "--json"),),
        env_extra={
            "METRICS_BIND": f"127.0.0.1:{metrics_port}",
            "PROMETHEUS_MULTIPROC_DIR": str(work / "prom"),
        },
    ) as (port, _env, (created,)):
        yield {"port": port, "metrics_port": metrics_port, **json.loads(created)}


def scrape(port: int) -> dict[tuple, float]:
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_scraped_metrics_count_the_traffic_of_every_worker(served):
    # given
    base = f"http://127.0.0.1:{served['port']}/acme"
    mgmt = served["management_client"]
    body = {"grant_type": "client_credentials", "audience": f"{base}/api/v2/", **mgmt}

    # when: each request on a new connection, so that both workers answer some
    issued = [requests.post(f"{base}/oauth/token", data=body, timeout=10) for _ in range(5)]
    bad_secret = [
        requests.post(f"{base}/oauth/token", data={**body, "client_secret": "wrong"}, timeout=10)
        for _ in range(3)
    ]
    unknown_api = [
        requests.post(f"{base}/oauth/token", data={**body, "audience": "https://nope.test/"}, timeout=10)
        for _ in range(2)
    ]
    jwks = [requests.get(f"{base}/.well-known/jwks.json", timeout=10) for _ in range(4)]
    token = issued[0].json()["access_token"]
    listed = [
        requests.get(
            f"{base}/api/v2/resource-servers", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        for _ in range(2)
    ]
    metrics = scrape(served["metrics_port"])

    # then
    assert [r.status_code for r in issued + bad_secret + unknown_api + jwks + listed] == [200] * 5 + [
        401
    ] * 3 + [403] * 2 + [200] * 4 + [200] * 2

    def tokens(outcome: str) -> dict[str, float]:
        return {
            dict(labels)["tenant"]: v
            for (name, labels), v in metrics.items()
            if name == "authport_token_requests_total"
            and dict(labels)["outcome"] == outcome
            and dict(labels)["grant_type"] == "client_credentials"
        }

    assert tokens("issued") == {"acme": 5.0}
    assert tokens("access_denied") == {"acme": 2.0}
    assert sum(tokens("invalid_client").values()) == 3.0  # `unknown` in a worker that has not seen acme yet
    assert set(tokens("invalid_client")) <= {"acme", "unknown"}
    count = "authport_http_request_duration_seconds_count"
    assert metrics[(count, (("endpoint", "token"),))] == 10.0
    assert metrics[(count, (("endpoint", "jwks"),))] == 4.0
    assert metrics[(count, (("endpoint", "management_api"),))] == 2.0
    assert metrics[("authport_http_responses_total", (("endpoint", "token"), ("status_class", "4xx")))] == 5.0
    assert not any(name.startswith("authport_db_errors") and v for (name, _), v in metrics.items())


def test_metrics_are_not_on_the_public_port(served):
    # when
    response = requests.get(f"http://127.0.0.1:{served['port']}/metrics", timeout=10)
    # then
    assert response.status_code == 404
    assert "authport_token_requests_total" not in response.text
