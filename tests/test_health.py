"""Liveness and readiness probes (SPEC section 1)."""


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


def test_healthz_refuses_post(client):
    # when
    resp = client.post("/healthz")

    # then
    assert resp.status_code == 405


def test_probes_answer_head_without_a_body(db, client):
    # load balancers and uptime monitors often probe with HEAD
    for path in ("/healthz", "/readyz"):
        resp = client.head(path)
        assert resp.status_code == 200, path
        assert resp.content == b""
