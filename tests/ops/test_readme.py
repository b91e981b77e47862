"""Every command the README shows runs as written after `make serve` (SPEC section 8).

The README's code blocks are read with pytest-codeblocks' parser; a block preceded by
`<!--pytest.mark.skip(reason=...)-->` is not run (it starts a server, needs PostgreSQL, ...). The
test runs the real `make serve` on free ports with its own .env and database, reads the credentials
it prints, as a newcomer does, and runs every other `sh` and `python` block, in README order, in a
shell that has nothing set: the client ids and secrets the README names are pasted in, and the
README's addresses replaced by the ports used here, as the README says to do.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from pytest_codeblocks import extract_from_file

from bench.run import free_port

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PLACEHOLDERS = ("M2M_ID", "M2M_SECRET", "WEB_ID", "WEB_SECRET", "MGMT_ID", "MGMT_SECRET")


def blocks():
    return [b for b in extract_from_file(README) if b.syntax in ("sh", "python")]


def test_every_skipped_block_says_why():
    skipped = [b for b in blocks() if any(m.startswith("pytest.mark.skip") for m in b.marks)]
    assert skipped, "the README has blocks that cannot run here (make serve, PostgreSQL)"
    assert [b.lineno for b in skipped if not any("reason=" in m for m in b.marks)] == []


def _credentials(output: str) -> dict[str, str]:
    found = {}
    for name, key in (("Management client", "MGMT"), ("Demo M2M", "M2M"), ("Demo web app", "WEB")):
        match = re.search(
            rf"^{name} \((?:created|secret rotated)\):\n  client_id:\s+(\S+)\n  client_secret:\s+(\S+)$",
            output,
            re.M,
        )
        assert match, f"make serve did not print the {name}'s credentials:\n{output}"
        found[f"{key}_ID"], found[f"{key}_SECRET"] = match.groups()
    return found


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`make serve` as a newcomer runs it, with PUBLIC_URL only in the environment."""
    work = tmp_path_factory.mktemp("readme")
    port, metrics_port = free_port(), free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(work)),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "METRICS_BIND": f"127.0.0.1:{metrics_port}",
    }
    log = (work / "serve.log").open("w+")
    server = subprocess.Popen(  # noqa: S603 - the repository's own Makefile
        ["make", "--no-print-directory", "serve", f"ENV_FILE={work / '.env'}", "WORKERS=2", "THREADS=2"],  # noqa: S607
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: make, its shell and gunicorn stop together
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or busy starting
                pass
            assert server.poll() is None, (work / "serve.log").read_text()
            assert time.monotonic() < deadline, (work / "serve.log").read_text()
            time.sleep(0.5)
        output = (work / "serve.log").read_text()
        yield {
            "port": port,
            "metrics_port": metrics_port,
            "env_file": work / ".env",
            "output": output,
            "credentials": _credentials(output),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


def _as_pasted(code: str, served: dict) -> str:
    code = code.replace("127.0.0.1:8000", f"127.0.0.1:{served['port']}")
    code = code.replace("127.0.0.1:9464", f"127.0.0.1:{served['metrics_port']}")
    for name in sorted(PLACEHOLDERS, key=len, reverse=True):
        code = code.replace(name, served["credentials"][name])
    return code


def test_make_serve_saved_the_public_url_it_was_given(served):
    # then: later commands, which read only the .env, see the server's address
    assert f"PUBLIC_URL=http://127.0.0.1:{served['port']}\n" in served["env_file"].read_text()
    assert f"Serving http://127.0.0.1:{served['port']} on 127.0.0.1:{served['port']}" in served["output"]


def test_readme_commands_run_as_written_against_make_serve(served):
    # given: a shell with nothing set but the .env that make serve wrote (found by DJANGO_ENV_FILE,
    # since this test's make serve wrote it elsewhere than beside manage.py)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_ENV_FILE": str(served["env_file"]),
    }
    runnable = [b for b in blocks() if not any(m.startswith("pytest.mark.skip") for m in b.marks)]
    outputs = {}

    # when: each block in README order, stopping at the first failing command
    for block in runnable:
        code = _as_pasted(block.code, served)
        command = (
            ["bash", "-euo", "pipefail", "-c", code] if block.syntax == "sh" else [sys.executable, "-c", code]
        )
        done = subprocess.run(  # noqa: S603 - the README's own commands
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        # then: it ran, and no answer says the pasted credentials or the call were wrong
        where = (
            f"README.md line {block.lineno}:\n{code}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )
        assert done.returncode == 0, where
        for refusal in ("invalid_client", '"statusCode"', "Traceback", "Unknown tenant"):
            assert refusal not in done.stdout + done.stderr, where
        outputs[block.lineno] = done.stdout

    # then: the blocks that show tokens gave them, and the one that shows a refusal gave it
    compact = "\n".join(outputs.values()).replace(" ", "")
    assert compact.count('"access_token":') >= 4  # two client-credentials JWTs, an opaque token, a user JWT
    assert '"error":"invalid_request"' in compact
    assert "HS256" in compact
    assert '"sub":"auth0|' in compact  # /userinfo answered the opaque token
    assert "https://invoices.example.com/RS256" in compact  # the auth0-python block, after the curl one
    assert (
        'authport_token_requests_total{grant_type="client_credentials",outcome="issued",tenant="demo"}'
        in compact
    )
