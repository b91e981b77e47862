"""The soak's own servers: a throwaway PostgreSQL cluster and Redis on spare ports, two Authport hosts
(gunicorn on 127.0.0.2 and 127.0.0.3) behind HAProxy on 127.0.0.1, and the Node resource server.

Nothing here touches the machine's shared PostgreSQL (5432) or Redis (6379): the cluster is made
with initdb in a temporary directory and removed at the end, like everything else the stack starts.
Every process is started by this module and stopped by its pid.
"""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


def wait_for(what: str, check, timeout: float = 30.0, interval: float = 0.2) -> float:
    """Poll `check()` until it is truthy; returns the seconds it took, raises after `timeout`."""
    start = time.monotonic()
    while True:
        try:
            if check():
                return time.monotonic() - start
        except Exception:  # noqa: S110 - not up yet
            pass
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"{what} not ready after {timeout:.0f} s")
        time.sleep(interval)


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root (CI runs as root): run them as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@dataclass
class Host:
    name: str
    address: str
    port: int
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://{self.address}:{self.port}"

    def worker_pids(self) -> list[int]:
        """gunicorn's workers: the children of this host's master process."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)


@dataclass
class Stack:
    port_base: int = 18400
    workers: int = 2
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="authport-soak-")))
    processes: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lb_port = self.port_base
        self.pg_port = self.port_base + 10
        self.redis_port = self.port_base + 11
        self.node_port = self.port_base + 12
        self.hosts = [
            Host("hostA", "127.0.0.2", self.port_base + 1),
            Host("hostB", "127.0.0.3", self.port_base + 2),
        ]
        self.public_url = f"http://127.0.0.1:{self.lb_port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_URL", "PUBLIC_URL")},
            "DJANGO_SETTINGS_MODULE": "authport.settings.base",
            "DJANGO_READ_DOT_ENV_FILE": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "AUTHPORT_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "PUBLIC_URL": self.public_url,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.pg_port}/authport_soak",
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "TRUSTED_PROXY_COUNT": "1",  # HAProxy adds X-Forwarded-For
            "METRICS_BIND": "",
            "LOG_LEVEL": "WARNING",
            "PROMETHEUS_MULTIPROC_DIR": "",
        }
        self.env.pop("PROMETHEUS_MULTIPROC_DIR")

    # -- PostgreSQL -------------------------------------------------------------------------------
    @property
    def pg_data(self) -> Path:
        return self.tmp / "pg"

    def pg_start(self) -> None:
        if not self.pg_data.exists():
            self.pg_data.mkdir()
            if os.geteuid() == 0:
                shutil.chown(self.tmp, "postgres")
                shutil.chown(self.pg_data, "postgres")
            subprocess.run(
                _as_postgres(
                    [str(PG_BIN / "initdb"), "-D", str(self.pg_data), "-U", "postgres", "-A", "trust"]
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        options = f"-p {self.pg_port} -k {self.tmp} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.pg_data),
                    "-l",
                    str(self.tmp / "pg.log"),
                    "-o",
                    options,
                    "-w",
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def pg_stop(self) -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.pg_data), "-m", "fast", "-w", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
        )

    def pg_connect(self, dbname: str = "authport_soak"):
        import psycopg

        return psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.pg_port}/{dbname}", autocommit=True, connect_timeout=3
        )

    # -- Redis ------------------------------------------------------------------------------------
    def redis_start(self) -> None:
        self.redis = self._spawn(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            "redis.log",
        )
        import redis

        wait_for("redis", lambda: redis.Redis(port=self.redis_port).ping())

    def redis_stop(self) -> None:
        self._stop(self.redis)

    # -- Authport hosts, HAProxy, the Node verifier ----------------------------------------------
    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=check,
            capture_output=True,
            text=True,
        )

    def host_start(self, host: Host) -> None:
        host.process = self._spawn(
            [
                str(BIN / "gunicorn"),
                "authport.wsgi",
                "--config",
                "python:authport.gunicorn_conf",
                "--bind",
                f"{host.address}:{host.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
            ],
            f"{host.name}.log",
            env=self.env,
        )
        wait_for(
            f"{host.name}",
            lambda: httpx.get(f"{host.base}/healthz", headers=self.host_header).status_code == 200,
        )

    @property
    def host_header(self) -> dict:
        return {"Host": f"127.0.0.1:{self.lb_port}"}

    def haproxy_start(self) -> None:
        servers = "\n".join(
            f"    server {h.name} {h.address}:{h.port} check inter 1s fall 3 rise 1" for h in self.hosts
        )
        # Liveness (/healthz), not readiness, decides who gets traffic: a database outage hits every
        # host alike, and each answers it in its protocol's JSON; HAProxy's own 503 page would not.
        # Retries only when the connection failed (nothing reached a host): a POST is never replayed.
        # The server name replaces User-Agent, so that each log event says which host recorded it.
        config = f"""
global
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 2
    retry-on conn-failure
    option redispatch
frontend authport
    bind 127.0.0.1:{self.lb_port}
    default_backend hosts
backend hosts
    balance roundrobin
    option forwardfor
    option httpchk GET /healthz
    http-check send hdr Host 127.0.0.1:{self.lb_port}
    http-send-name-header User-Agent
    http-response set-header X-Served-By %[srv_name]
{servers}
"""
        path = self.tmp / "haproxy.cfg"
        path.write_text(config)
        self.haproxy = self._spawn(["haproxy", "-f", str(path), "-db"], "haproxy.log")
        wait_for("haproxy", lambda: httpx.get(f"{self.public_url}/healthz").status_code == 200)

    def node_start(self, issuer_base: str, audiences: list[str]) -> bool:
        verifier = ROOT / "soak" / "verifier"
        if (
            shutil.which("node") is None
            or not (verifier / "node_modules" / "express-oauth2-jwt-bearer").exists()
        ):
            return False
        self.node = self._spawn(
            [
                "node",
                str(verifier / "server.js"),
                "127.0.0.4",
                str(self.node_port),
                issuer_base,
                *audiences,
                "1000",
            ],
            "node.log",
        )
        wait_for(
            "node verifier",
            lambda: httpx.get(f"http://127.0.0.4:{self.node_port}/healthz").status_code == 200,
        )
        return True

    def _spawn(self, cmd: list[str], log: str, env: dict | None = None) -> subprocess.Popen:
        out = open(self.tmp / log, "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        return process

    def _stop(self, process: subprocess.Popen | None) -> None:
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def close(self, keep: bool = False) -> None:
        for process in reversed(self.processes):
            self._stop(process)
        if self.pg_data.exists():
            self.pg_stop()
        if keep:
            print(f"soak: logs kept in {self.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
