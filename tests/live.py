"""A real gunicorn serving Authport for tests that need the WSGI server itself (keep-alive, several
workers, the metrics master): test settings on a fresh SQLite file, with its migrations applied."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

from bench.run import free_port, wait_ready

ROOT = Path(__file__).resolve().parent.parent


def live_env(workdir: Path, port: int) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if k != "CACHE_URL"},
        "DJANGO_SETTINGS_MODULE": "authport.settings.test",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict, *args: str) -> str:
    """`manage.py ARGS` against the live server's database; its stdout."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout


@contextlib.contextmanager
def gunicorn(workdir: Path, *gunicorn_args: str, setup: tuple[tuple[str, ...], ...] = (), env_extra=None):
    """Migrate, run each `setup` command, serve; yields (port, env, outputs of the setup commands)."""
    port = free_port()
    env = live_env(workdir, port)
    manage(env, "migrate", "-v0")
    outputs = [manage(env, *command) for command in setup]
    server = subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "gunicorn", "authport.wsgi", "--bind", f"127.0.0.1:{port}", *gunicorn_args],
        env={**env, **(env_extra or {})},
        cwd=ROOT,
    )
    try:
        wait_ready(port, timeout=60)
        yield port, env, outputs
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
