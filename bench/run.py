"""Token endpoint benchmark: gunicorn on loopback, client_credentials for RS256, ES256 and HS256.

Usage: make bench   (or: .venv/bin/python bench/run.py --seconds 10 --concurrency 8)
Environment: BENCH_DATABASE_URL (default: a fresh SQLite file; for PostgreSQL, a server URL such as
postgres://postgres@127.0.0.1:5432/postgres: a fresh database is created there and dropped after),
BENCH_WORKERS (default 2).
Prints requests per second and p50/p99 latency per algorithm, and writes bench-results/latest.json.
"""

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SETUP = """
import json
from apis.services import resource_server_create
from clients.services import client_create, client_grant_create
from provisioning.services import tenant_provision
tenant = tenant_provision(slug="bench").tenant
client, secret = client_create(tenant=tenant, name="bench", app_type="non_interactive", grant_types=["client_credentials"])
audiences = {}
for alg in ("RS256", "ES256", "HS256"):
    api = resource_server_create(tenant=tenant, identifier=f"https://{alg.lower()}.bench.test/", name=alg,
        signing_alg=alg, scopes=[{"value": "read:items", "description": ""}])
    client_grant_create(client=client, resource_server=api, scope=["read:items"])
    audiences[alg] = api.identifier
print(json.dumps({"client_id": client.client_id, "client_secret": secret, "audiences": audiences}))
"""


def fresh_database(url: str, workdir: Path):
    """(DATABASE_URL, cleanup): a new SQLite file, or a new database on the given PostgreSQL server."""
    if not url:
        return f"sqlite:///{workdir / 'bench.sqlite3'}", lambda: None
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    name = f"authport_bench_{os.getpid()}"
    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready")


def load(port: int, body: bytes, seconds: float, concurrency: int) -> dict:
    """Closed-loop load: `concurrency` keep-alive connections posting for `seconds`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    headers = {"Content-Type": "application/json"}

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, bad = [], 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("POST", "/bench/oauth/token", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                ok = False
            mine.append(time.perf_counter() - started)
            bad += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(q[49] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=2)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="authport-bench-"))
    port = free_port()
    database_url, drop_database = fresh_database(os.environ.get("BENCH_DATABASE_URL", ""), workdir)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "authport.settings.base",
        "DATABASE_URL": database_url,
        "SECRET_KEY": Fernet.generate_key().decode(),
        "AUTHPORT_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DEBUG": "false",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "LOG_LEVEL": "WARNING",
    }
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    setup = subprocess.run(
        [*manage, "shell", "-c", SETUP], env=env, check=True, cwd=ROOT, capture_output=True, text=True
    )
    creds = json.loads(setup.stdout.strip().splitlines()[-1])
    workers = os.environ.get("BENCH_WORKERS", "2")
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "authport.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            workers,
            "-k",
            "gthread",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    results = {}
    try:
        wait_ready(port)
        for alg, audience in creds["audiences"].items():
            body = json.dumps(
                {
                    "grant_type": "client_credentials",
                    "client_id": creds["client_id"],
                    "client_secret": creds["client_secret"],
                    "audience": audience,
                }
            ).encode()
            load(port, body, args.warmup, args.concurrency)
            results[alg] = load(port, body, args.seconds, args.concurrency)
    finally:
        server.terminate()
        server.wait(timeout=10)
        drop_database()

    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    database = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    print(
        f"client_credentials at /oauth/token: {args.seconds:g} s per algorithm, {args.concurrency} connections, "
        f"gunicorn {workers} workers x 4 threads, {database}; {machine}"
    )
    print(f"{'alg':<6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7}")
    for alg, r in results.items():
        print(f"{alg:<6} {r['rps']:>8} {r['p50_ms']:>8} {r['p99_ms']:>8} {r['requests']:>9} {r['errors']:>7}")
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(
        json.dumps({"machine": machine, "database": database, "results": results}, indent=2)
    )
    if any(r["errors"] for r in results.values()):
        raise SystemExit("some requests failed")


if __name__ == "__main__":
    main()
