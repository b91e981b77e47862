"""Liveness and readiness probes (SPEC section 1)."""

import pytest
from django.test import Client


def test_healthz_answers_without_touching_the_database(db, client, django_assert_num_queries):
    # when
    with django_assert_num_queries(0):
        resp = client.get("/healthz")

    # then
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


def test_readyz_answers_when_the_database_does(db, client):
    # when
    resp = client.get("/readyz")

    # then
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("probe", ["/healthz", "/readyz"])
def test_probes_refuse_post_in_json_even_with_csrf_checks(db, probe):
    # given: a client that, like a real one, meets the CSRF middleware (the test client skips it)
    http = Client(enforce_csrf_checks=True)

    # when
    resp = http.post(probe)

    # then: a JSON 405, not the CSRF middleware's HTML 403
    assert resp.status_code == 405
    assert resp["Allow"] == "GET, HEAD"
    assert resp.json()["error"] == "method_not_allowed"


def test_probes_answer_head_without_a_body(db, client):
    # load balancers and uptime monitors often probe with HEAD
    for path in ("/healthz", "/readyz"):
        resp = client.head(path)
        assert resp.status_code == 200, path
        assert resp.content == b""
