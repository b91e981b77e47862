"""Brute-force counters are shared by every worker: with the embedded default (local-memory cache),
a gunicorn with two workers must not give an attacker ten fresh tries per worker (SPEC section 2.8).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from bench.run import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[2]
MAX = 10


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """gunicorn with two sync workers on a fresh SQLite file, the demo tenant, no CACHE_URL."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "CACHE_URL"},
        "DJANGO_SETTINGS_MODULE": "authport.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('workers') / 'db.sqlite3'}",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(
        [*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True, capture_output=True, timeout=120
    )
    demo = subprocess.run(
        [*manage, "bootstrap_demo"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    found = re.search(
        r"^Demo web app \(created\):\n  client_id:\s+(\S+)\n  client_secret:\s+(\S+)$", demo, re.M
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "authport.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "2", "--log-level", "warning"],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_ready(port, timeout=30)
        yield {"port": port, "client_id": found[1], "client_secret": found[2]}
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


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
