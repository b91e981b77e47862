"""Brute-force counters are shared by every worker: with the embedded default (local-memory cache),
a gunicorn with two workers must not give an attacker ten fresh tries per worker (SPEC section 2.8).
"""

import re

import pytest
import requests

from tests.live import gunicorn

MAX = 10


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """gunicorn with two sync workers on a fresh SQLite file, the demo tenant, no CACHE_URL."""
    with gunicorn(
        tmp_path_factory.mktemp("workers"),
        "--workers",
        "2",
        "--log-level",
        "warning",
        setup=(("bootstrap_demo",),),
    ) as (port, _env, (demo,)):
        found = re.search(
            r"^Demo web app \(created\):\n  client_id:\s+(\S+)\n  client_secret:\s+(\S+)$", demo, re.M
        )
        yield {"port": port, "client_id": found[1], "client_secret": found[2]}


def test_ten_wrong_passwords_across_workers_block_the_right_one(two_workers):
    url = f"http://127.0.0.1:{two_workers['port']}/demo/oauth/token"
    creds = {"client_id": two_workers["client_id"], "client_secret": two_workers["client_secret"]}
    for n in range(MAX):
        # a new connection each time, so the kernel hands the requests to either worker
        wrong = requests.post(
            url,
            data={
                "grant_type": "password",
                "username": "demo@example.test",
                "password": f"wrong-{n}",
                **creds,
            },
            headers={"Connection": "close"},
            timeout=10,
        )
        assert wrong.json()["error"] == "invalid_grant"
    right = requests.post(
        url,
        data={
            "grant_type": "password",
            "username": "demo@example.test",
            "password": "authport-demo-password",
            **creds,
        },
        headers={"Connection": "close"},
        timeout=10,
    )
    assert right.status_code == 429
    assert right.json()["error"] == "too_many_attempts"
