"""Authport against its ceilings, in one run: gunicorn on loopback, wrk as the load generator.

Usage: make bench   (or: .venv/bin/python bench/run.py --help)

Two servers run side by side on the same fresh database, with the same gunicorn configuration:
- Authport, with its real settings (those `make serve` uses);
- the reference (bench/reference_settings.py, bench/reference_urls.py): plain Django without
  middleware, serving a JSON view (the HTTP ceiling) and a hand-written client_credentials view
  that does one SELECT and signs with a cached key (the design ceiling), for RS256, ES256 and HS256.

Every target runs in each of --rounds interleaved rounds (so a change in the machine's load hits
all of them alike, and a target runs right after its reference; odd rounds run each reference and its
targets in reverse, so that a drift within them favours neither side); the figures are medians over
the rounds, and a ratio is the median of the rounds' own ratios, printed with their lowest and
highest. What log events cost is shown twice: as the throughput kept, and as server CPU a request. For each target: requests per second
and its ratio to its reference, p50 and p99 latency, and the server's CPU per request (gunicorn's
processes, and PostgreSQL's backends of the bench database). The machine and its load average
during the run are printed and written with the rest to bench-results/latest.json.

--scale instead measures the RS256 token endpoint while the database grows to 10,000 tenants and
to 1,000 APIs in one tenant (bench-results/scale.json): its latency should stay flat.

Databases: --databases sqlite,postgres (default both). PostgreSQL runs on a fresh database created
on BENCH_POSTGRES_URL's server (default postgres://postgres@127.0.0.1:5432/postgres) and dropped
after; it is skipped, saying so, when that server does not answer. CACHE_URL for the servers comes
from BENCH_CACHE_URL (default: Redis on 127.0.0.1:6379 database 15 when it answers, else the
local-memory cache). Without wrk on the PATH (`make bench` installs Debian's), a Python load
generator stands in and says so: its figures understate the server and compare only with each other.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TENANT = "bench"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"

SETUP = """
import json
from accounts.services import user_create
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
web, web_secret = client_create(tenant=tenant, name="bench web", app_type="regular_web", grant_types=["password"])
user_create(tenant=tenant, email="bench@example.test", password="bench-Password-1", name="Bench", email_verified=True)
print(json.dumps({"client_id": client.client_id, "client_secret": secret, "audiences": audiences,
    "web": {"client_id": web.client_id, "client_secret": web_secret}}))
"""

# Filler for --scale, made in bulk through the models' own rules (full_clean on every row): tenants
# with an ES256 key chain (cheap to generate; RSA would take minutes), a client and an API each; or
# more APIs, each with a grant, in the bench tenant.
SCALE_SETUP = """
import os
import secrets
from apis.models import ResourceServer
from clients.models import Client, ClientGrant
from tenants.keys import generate_signing_key
from tenants.models import SigningKey, Tenant
from core import crypto
kind, start, stop = os.environ["SCALE_KIND"], int(os.environ["SCALE_FROM"]), int(os.environ["SCALE_TO"])
rows = []
if kind == "tenants":
    tenants = [Tenant(slug=f"filler-{i}", friendly_name=f"Filler {i}") for i in range(start, stop)]
    for t in tenants:
        t.full_clean()
    tenants = Tenant.objects.bulk_create(tenants, batch_size=1000)
    keys, apis, clients = [], [], []
    for t in tenants:
        for state in ("current", "next"):
            g = generate_signing_key(alg="ES256", common_name=t.slug)
            keys.append(SigningKey(tenant=t, kid=g.kid, alg="ES256", state=state, public_jwk=g.public_jwk,
                cert_pem=g.cert_pem, private_key_encrypted=crypto.encrypt(g.private_pem)))
        apis.append(ResourceServer(tenant=t, identifier="https://api.filler.test/", name="API", signing_alg="ES256"))
        clients.append(Client(tenant=t, name="filler", app_type="non_interactive", grant_types=["client_credentials"]))
    for row in keys + apis + clients:
        row.full_clean(validate_constraints=False)
    SigningKey.objects.bulk_create(keys, batch_size=1000)
    ResourceServer.objects.bulk_create(apis, batch_size=1000)
    Client.objects.bulk_create(clients, batch_size=1000)
else:
    tenant = Tenant.objects.get(slug="bench")
    client = Client.objects.get(tenant=tenant, name="bench")
    apis = [ResourceServer(tenant=tenant, identifier=f"https://filler-{i}.bench.test/", name=f"Filler {i}",
        signing_alg="RS256", scopes=[{"value": "read:items", "description": ""}]) for i in range(start, stop)]
    for api in apis:
        api.full_clean(validate_constraints=False)
    apis = ResourceServer.objects.bulk_create(apis, batch_size=1000)
    # save() names a grant; bulk_create does not call it
    grants = [ClientGrant(tenant=tenant, client=client, resource_server=api, scope=["read:items"],
        public_id="cgr_" + secrets.token_hex(8)) for api in apis]
    ClientGrant.objects.bulk_create(grants, batch_size=1000)
"""

WRK_SCRIPT = """
wrk.method = {method}
wrk.body = {body}
{headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {{"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, '
    .. '"p50_us": %d, "p99_us": %d}}\\n', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(99)))
end
"""


# Helpers other tests import (tests/security/test_head_gunicorn.py).


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, timeout: float = 30, path: str = "/healthz") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready")


# The machine.


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model or platform.processor(),
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
    }


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU of each of these processes so far (Linux /proc); gone processes are left out."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return found


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the processes alive at both ends used in between."""
    return sum(after[pid] - before[pid] for pid in before if pid in after)


def process_tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *map(int, children)]


# Databases and servers.


def postgres_reachable(url: str) -> bool:
    import psycopg

    try:
        psycopg.connect(admin_url(url), connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql", path="/postgres"))


def fresh_database(kind: str, workdir: Path):
    """(DATABASE_URL, cleanup): a new SQLite file, or a new database on the PostgreSQL server."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}", lambda: None
    import psycopg

    url = os.environ.get("BENCH_POSTGRES_URL") or DEFAULT_POSTGRES
    name = f"authport_bench_{os.getpid()}"
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin_url(url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(urlsplit(url)._replace(path=f"/{name}")), drop


def postgres_backends(database_url: str) -> list[int]:
    """PIDs of the PostgreSQL backends connected to the bench database (their CPU is the database's)."""
    if not database_url.startswith("postgres"):
        return []
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(admin_url(database_url), autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]).fetchall()
    return [pid for (pid,) in rows]


def default_cache_url() -> str:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return "redis://127.0.0.1:6379/15"
    except OSError:
        pass
    return "locmemcache://"


class ServerConfig:
    """gunicorn's knobs under test: worker class, workers, threads, access log."""

    def __init__(self, spec: str):
        parts = spec.split(":")
        self.worker_class, self.workers, self.threads = parts[0], int(parts[1]), int(parts[2])
        self.access_log = len(parts) > 3 and parts[3] == "log"

    @property
    def label(self) -> str:
        log = ", access log" if self.access_log else ""
        return f"{self.worker_class} {self.workers}x{self.threads}{log}"

    def args(self) -> list[str]:
        args = ["--worker-class", self.worker_class, "--workers", str(self.workers)]
        args += ["--threads", str(self.threads), "--keep-alive", "30", "--log-level", "warning"]
        return args + (["--access-logfile", os.devnull] if self.access_log else [])


def start_server(*, settings: str, port: int, env: dict, config: ServerConfig, health: str):
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "authport.wsgi", "--bind", f"127.0.0.1:{port}", *config.args()],
        env={**env, "DJANGO_SETTINGS_MODULE": settings},
        cwd=ROOT,
    )
    wait_ready(port, path=health)
    return server


def stop_server(server) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


# Load generators.


class Target:
    def __init__(self, name, server, method, path, body=None, headers=None, reference=None, group="token"):
        self.name, self.server, self.method, self.path = name, server, method, path
        self.body, self.headers, self.reference, self.group = body, headers or {}, reference, group


def lua_string(value: str | None) -> str:
    return "nil" if value is None else json.dumps(value)


def run_wrk(port: int, target: Target, seconds: float, connections: int, workdir: Path) -> dict:
    headers = "\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in target.headers.items())
    script = workdir / "target.lua"
    script.write_text(
        WRK_SCRIPT.format(method=json.dumps(target.method), body=lua_string(target.body), headers=headers)
    )
    threads = min(connections, 2)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(script)]
        + [f"http://127.0.0.1:{port}{target.path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    r = json.loads(line[6:])
    return {
        "requests": r["requests"],
        "errors": r["errors"] + r["status_errors"],
        "rps": r["requests"] / (r["duration_us"] / 1e6),
        "p50_ms": r["p50_us"] / 1000,
        "p99_ms": r["p99_us"] / 1000,
    }


def run_python(port: int, target: Target, seconds: float, connections: int, workdir: Path) -> dict:
    """Closed-loop load from threads of this process: `connections` keep-alive connections."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    body = target.body.encode() if target.body is not None else None

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, bad = [], 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn.request(target.method, target.path, body=body, headers=target.headers)
                response = conn.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                ok = False
            mine.append(time.perf_counter() - started)
            bad += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=worker) for _ in range(connections)]
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
        "rps": len(latencies) / elapsed,
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
    }


def measure(load, server_info, target, seconds, warmup, connections, workdir, database_url) -> dict:
    port, server = server_info
    load(port, target, warmup, connections, workdir)
    pids = process_tree(server.pid)
    backends = postgres_backends(database_url)
    cpu0, db0 = cpu_seconds(pids), cpu_seconds(backends)
    result = load(port, target, seconds, connections, workdir)
    cpu1, db1 = cpu_seconds(pids), cpu_seconds(backends)
    n = max(result["requests"], 1)
    result["server_cpu_us"] = cpu_used(cpu0, cpu1) / n * 1e6
    result["db_cpu_us"] = cpu_used(db0, db1) / n * 1e6 if backends else None
    result["loadavg"] = os.getloadavg()[0]
    return result


# The run.


def environment(database_url: str, port: int, cache_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "SECRET_KEY": Fernet.generate_key().decode(),
        "AUTHPORT_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DEBUG": "false",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict, *args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env={**env, "DJANGO_SETTINGS_MODULE": "authport.settings.base"},
        check=True,
        cwd=ROOT,
        capture_output=capture,
        text=True,
    )
    return done.stdout if capture else ""


def post_json(port: int, path: str, body: dict) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    data = json.loads(response.read())
    if response.status != 200:
        raise SystemExit(f"{path} answered {response.status}: {data}")
    return data


def token_body(creds: dict, alg: str) -> str:
    return json.dumps(
        {
            "grant_type": "client_credentials",
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
            "audience": creds["audiences"][alg],
        }
    )


ALGORITHMS = ("RS256", "ES256", "HS256")


def logged_target(alg: str) -> str:
    return f"Authport {alg} client_credentials"


def unlogged_target(alg: str) -> str:
    return f"Authport {alg}, no log events"


def targets_for(creds: dict, userinfo_token: str) -> list[Target]:
    json_headers = {"Content-Type": "application/json"}
    token_path = f"/{TENANT}/oauth/token"
    targets = [Target("HTTP ceiling: Django JSON view", "reference", "GET", "/json", group="ceiling")]
    # Per algorithm, the three that are compared run one after the other in each round: the hand
    # view, Authport, and Authport without log events, so that a change in the machine's load
    # between them is as small as it can be (the ratios are taken per round: median_ratio).
    for alg in ALGORITHMS:
        hand = f"hand-written {alg} view"
        targets.append(Target(hand, "reference", "POST", token_path, token_body(creds, alg), json_headers))
        targets.append(
            Target(
                logged_target(alg),
                "authport",
                "POST",
                token_path,
                token_body(creds, alg),
                json_headers,
                reference=hand,
            )
        )
        # The same server settings with LOG_EVENTS_ENABLED=false: what recording the events costs.
        targets.append(
            Target(
                unlogged_target(alg),
                "authport-unlogged",
                "POST",
                token_path,
                token_body(creds, alg),
                json_headers,
                reference=hand,
            )
        )
    ceiling = "HTTP ceiling: Django JSON view"
    targets += [
        Target("Authport JWKS", "authport", "GET", f"/{TENANT}/.well-known/jwks.json", reference=ceiling),
        Target(
            "Authport discovery",
            "authport",
            "GET",
            f"/{TENANT}/.well-known/openid-configuration",
            reference=ceiling,
        ),
        Target(
            "Authport /userinfo",
            "authport",
            "GET",
            f"/{TENANT}/userinfo",
            headers={"Authorization": f"Bearer {userinfo_token}"},
            reference=ceiling,
        ),
    ]
    return targets


def median_of(rounds: list[dict]) -> dict:
    keys = ("rps", "p50_ms", "p99_ms", "server_cpu_us", "db_cpu_us", "loadavg")
    out = {}
    for key in keys:
        values = [r[key] for r in rounds if r.get(key) is not None]
        out[key] = round(statistics.median(values), 2) if values else None
    out["requests"] = sum(r["requests"] for r in rounds)
    out["errors"] = sum(r["errors"] for r in rounds)
    out["rounds_rps"] = [round(r["rps"], 1) for r in rounds]
    return out


def blocks_of(targets: list[Target]) -> list[list[Target]]:
    """Runs of one target followed by the targets compared with it (targets_for's order)."""
    blocks: list[list[Target]] = []
    for target in targets:
        if blocks and target.reference is not None and target.reference == blocks[-1][0].name:
            blocks[-1].append(target)
        else:
            blocks.append([target])
    return blocks


def round_order(targets: list[Target], round_no: int) -> list[Target]:
    """A reference and its targets run back to back; odd rounds run each such block in reverse, so
    that a steady drift of the machine's speed within a block favours neither side over the run
    (with one order only, the target measured last always met more of the drift)."""
    order: list[Target] = []
    for block in blocks_of(targets):
        order.extend(reversed(block) if round_no % 2 else block)
    return order


def round_ratios(rounds: list[dict], reference_rounds: list[dict]) -> list[float]:
    return [round(r["rps"] / ref["rps"], 3) for r, ref in zip(rounds, reference_rounds, strict=True)]


def median_ratio(rounds: list[dict], reference_rounds: list[dict]) -> float:
    """The median over rounds of each round's ratio of throughputs: two targets measured minutes apart
    in a round would carry the machine's drift into a ratio of whole-run medians."""
    return round(
        statistics.median(r["rps"] / ref["rps"] for r, ref in zip(rounds, reference_rounds, strict=True)), 3
    )


def setup_database(kind: str, workdir: Path, cache_url: str, authport_port: int):
    database_url, drop = fresh_database(kind, workdir)
    env = environment(database_url, authport_port, cache_url)
    manage(env, "migrate", "-v0")
    creds = json.loads(manage(env, "shell", "-c", SETUP, capture=True).strip().splitlines()[-1])
    return env, creds, drop


def compare(kind: str, args, load, workdir: Path, cache_url: str) -> dict:
    ports = {"authport": free_port(), "authport-unlogged": free_port(), "reference": free_port()}
    env, creds, drop = setup_database(kind, workdir, cache_url, ports["authport"])
    config, reference_config = ServerConfig(args.server), ServerConfig(args.reference_server)
    servers = {}
    try:
        servers["authport"] = (
            ports["authport"],
            start_server(
                settings="authport.settings.base",
                port=ports["authport"],
                env=env,
                config=config,
                health="/healthz",
            ),
        )
        servers["authport-unlogged"] = (
            ports["authport-unlogged"],
            start_server(
                settings="authport.settings.base",
                port=ports["authport-unlogged"],
                env={**env, "LOG_EVENTS_ENABLED": "false"},
                config=config,
                health="/healthz",
            ),
        )
        servers["reference"] = (
            ports["reference"],
            start_server(
                settings="bench.reference_settings",
                port=ports["reference"],
                env=env,
                config=reference_config,
                health="/json",
            ),
        )
        web = creds["web"]
        userinfo_token = post_json(
            ports["authport"],
            f"/{TENANT}/oauth/token",
            {
                "grant_type": "password",
                "username": "bench@example.test",
                "password": "bench-Password-1",
                "scope": "openid profile email",
                "audience": creds["audiences"]["RS256"],
                **web,
            },
        )["access_token"]
        targets = targets_for(creds, userinfo_token)
        if args.only:
            wanted = set(args.only.split(","))
            chosen = [t for t in targets if t.group == "ceiling" or any(w in t.name for w in wanted)]
            references = {t.reference for t in chosen}
            # In the full run's order, so that a target still runs right after its reference.
            targets = [t for t in targets if t in chosen or t.name in references]
        per_target: dict[str, list[dict]] = {t.name: [] for t in targets}
        for round_no in range(args.rounds):
            for target in round_order(targets, round_no):
                r = measure(
                    load,
                    servers[target.server],
                    target,
                    args.seconds,
                    args.warmup,
                    args.connections,
                    workdir,
                    env["DATABASE_URL"],
                )
                per_target[target.name].append(r)
                print(
                    f"  [{kind} round {round_no + 1}/{args.rounds}] {target.name}: {r['rps']:.0f} req/s, "
                    f"p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, load {r['loadavg']:.2f}",
                    flush=True,
                )
    finally:
        for _, server in servers.values():
            stop_server(server)
        drop()
    results = {}
    for target in targets:
        result = median_of(per_target[target.name])
        if target.reference:
            result["reference"] = target.reference
            result["ratio"] = median_ratio(per_target[target.name], per_target[target.reference])
            result["rounds_ratio"] = round_ratios(per_target[target.name], per_target[target.reference])
        results[target.name] = result
    logging = logging_cost(results, per_target)
    return {
        "server": config.label,
        "reference_server": reference_config.label,
        "cache": cache_url,
        "targets": results,
        **logging,
    }


def logging_cost(results: dict, per_target: dict) -> dict:
    """What log events cost, per algorithm measured both ways: the token throughput kept with them
    (SPEC 9: >= 0.9), its rounds' own ratios, and the server CPU they add to a request, the other
    measure of it (throughput on a shared machine moves with its neighbours, CPU time less so)."""
    cost = {"logging_keeps": {}, "logging_keeps_rounds": {}, "logging_cpu_us": {}}
    for alg in ALGORITHMS:
        logged, unlogged = logged_target(alg), unlogged_target(alg)
        if logged not in results or unlogged not in results:
            continue
        cost["logging_keeps"][alg] = median_ratio(per_target[logged], per_target[unlogged])
        cost["logging_keeps_rounds"][alg] = round_ratios(per_target[logged], per_target[unlogged])
        cpu, cpu_unlogged = results[logged]["server_cpu_us"], results[unlogged]["server_cpu_us"]
        if cpu is not None and cpu_unlogged is not None:
            cost["logging_cpu_us"][alg] = round(cpu - cpu_unlogged, 1)
    return cost


def print_comparison(kind: str, run: dict) -> None:
    print(f"\n{kind}: Authport on gunicorn {run['server']}, reference on {run['reference_server']}")
    print(
        f"{'target':<38} {'req/s':>7} {'ratio':>7} {'rounds':>11} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'CPU µs/req':>10} {'DB µs/req':>9}"
    )
    for name, r in run["targets"].items():
        ratio = f"{r['ratio']:.2f}x" if "ratio" in r else ""
        spread = rounds_spread(r.get("rounds_ratio"))
        db = f"{r['db_cpu_us']:.0f}" if r["db_cpu_us"] is not None else "-"
        print(
            f"{name:<38} {r['rps']:>7.0f} {ratio:>7} {spread:>11} {r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f} "
            f"{r['server_cpu_us']:>10.0f} {db:>9}"
        )
    print("(rounds: the lowest and highest of the rounds' own ratios; the ratio is their median)")
    for alg, kept in run.get("logging_keeps", {}).items():
        spread = rounds_spread(run.get("logging_keeps_rounds", {}).get(alg))
        line = f"With log events, the {alg} token endpoint keeps {kept:.0%} of its throughput without them"
        cpu = run.get("logging_cpu_us", {}).get(alg)
        unlogged = run["targets"].get(unlogged_target(alg), {}).get("server_cpu_us")
        if cpu is not None and unlogged:
            line += f"; they cost {cpu:.0f} µs of server CPU a request ({cpu / unlogged:.0%})"
        print(f"{line} (rounds {spread}).")


def rounds_spread(ratios: list[float] | None) -> str:
    return f"{min(ratios):.2f}-{max(ratios):.2f}" if ratios else ""


def scale(kind: str, args, load, workdir: Path, cache_url: str) -> list[dict]:
    """RS256 latency at the token endpoint as tenants, then one tenant's APIs, grow."""
    port = free_port()
    env, creds, drop = setup_database(kind, workdir, cache_url, port)
    config = ServerConfig(args.server)
    body = token_body(creds, "RS256")
    target = Target(
        "RS256", "authport", "POST", f"/{TENANT}/oauth/token", body, {"Content-Type": "application/json"}
    )
    steps = [("tenants", n) for n in (1, 100, 1000, 10000)] + [("apis", n) for n in (1, 100, 1000)]
    made = {"tenants": 1, "apis": 1}  # the bench tenant, and its RS256 API
    rows = []
    server = None
    try:
        for what, count in steps:
            if count > made[what]:
                # manage.py shell passes no arguments to its code: the range comes in the environment
                scale_env = {"SCALE_KIND": what, "SCALE_FROM": str(made[what]), "SCALE_TO": str(count)}
                manage({**env, **scale_env}, "shell", "-c", SCALE_SETUP)
                made[what] = count
            server = start_server(
                settings="authport.settings.base", port=port, env=env, config=config, health="/healthz"
            )
            r = measure(
                load, (port, server), target, args.seconds, args.warmup, args.connections, workdir, ""
            )
            stop_server(server)
            server = None
            row = {"what": what, "count": count, **{k: round(v, 2) for k, v in r.items() if v is not None}}
            rows.append(row)
            label = "tenants" if what == "tenants" else "APIs in the bench tenant"
            print(
                f"  [{kind}] {count:>6} {label}: {r['rps']:.0f} req/s, p50 {r['p50_ms']:.2f} ms, "
                f"p99 {r['p99_ms']:.2f} ms",
                flush=True,
            )
    finally:
        if server is not None:
            stop_server(server)
        drop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=4, help="per target and round (default 4)")
    parser.add_argument("--warmup", type=float, default=1, help="before each measurement (default 1)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="interleaved rounds, odd ones in reverse order; medians reported (default 4)",
    )
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections (default 8)")
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite,postgres (default both)")
    parser.add_argument(
        "--server",
        default="sync:2:1",
        help="Authport's gunicorn: CLASS:WORKERS:THREADS[:log] (make bench passes make serve's defaults)",
    )
    parser.add_argument(
        "--reference-server", default=None, help="the reference's (default: as --server, no log)"
    )
    parser.add_argument("--only", default="", help="comma-separated parts of target names (default all)")
    parser.add_argument("--scale", action="store_true", help="latency as tenants and APIs grow (RS256)")
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator, not wrk")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers and drop the database
    if args.reference_server is None:
        args.reference_server = ":".join(args.server.split(":")[:3])

    if shutil.which("wrk") and not args.python_load:
        load, generator = run_wrk, "wrk"
    else:
        load, generator = run_python, "python"
        print(
            "wrk is not installed (`make bench` installs it with apt-get where it can): falling back to the "
            "Python load generator, which shares the CPU with the server and understates it. Its figures "
            "compare only with each other.",
            flush=True,
        )
    cache_url = os.environ.get("BENCH_CACHE_URL") or default_cache_url()
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    if "postgres" in kinds and not postgres_reachable(
        os.environ.get("BENCH_POSTGRES_URL") or DEFAULT_POSTGRES
    ):
        print("PostgreSQL does not answer at BENCH_POSTGRES_URL: skipping it.", flush=True)
        kinds.remove("postgres")
    info = machine()
    load_before = os.getloadavg()
    started = dt.datetime.now(dt.UTC)
    workdir = Path(tempfile.mkdtemp(prefix="authport-bench-"))
    print(
        f"{info['cpu']}, {info['cores']} cores, Python {info['python']}; load average {load_before[0]:.2f}; "
        f"load generator {generator} ({args.connections} connections); cache {cache_url}",
        flush=True,
    )
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    report = {
        "started": started.isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
        "machine": info,
        "load_generator": generator,
        "connections": args.connections,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "load_average_before": load_before,
    }
    failed = False
    if args.scale:
        report["scale"] = {kind: scale(kind, args, load, workdir, cache_url) for kind in kinds}
        failed = any(r["errors"] for rows in report["scale"].values() for r in rows)
        report["load_average_after"] = os.getloadavg()
        (out / "scale.json").write_text(json.dumps(report, indent=2))
    else:
        report["databases"] = {}
        for kind in kinds:
            report["databases"][kind] = compare(kind, args, load, workdir, cache_url)
        report["load_average_after"] = os.getloadavg()
        for kind, run in report["databases"].items():
            print_comparison(kind, run)
        failed = any(r["errors"] for run in report["databases"].values() for r in run["targets"].values())
        (out / "latest.json").write_text(json.dumps(report, indent=2))
    la = report["load_average_after"]
    print(f"\nload average before {load_before[0]:.2f}, after {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}")
    print(f"wrote {out / ('scale.json' if args.scale else 'latest.json')}")
    if failed:
        raise SystemExit("some requests failed")


if __name__ == "__main__":
    main()
