"""What an operator meets at start (SPEC section 8): PUBLIC_URL's shape, the .env file, the documented variables."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.boot import BASE_DIR, PROPER_SECRET_KEY, fernet_key, manage


def start(**variables):
    variables.setdefault("SECRET_KEY", PROPER_SECRET_KEY)
    variables.setdefault("AUTHPORT_KEY_ENCRYPTION_KEYS", fernet_key())
    return manage("check", **variables)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param("https://example.com/auth", "must have no path, query or fragment", id="path"),
        pytest.param("https://example.com/?x=1", "must have no path, query or fragment", id="query"),
        pytest.param("https://example.com?", "must have no path, query or fragment", id="empty-query"),
        pytest.param("https://example.com#top", "must have no path, query or fragment", id="fragment"),
        pytest.param("example.com", "must start with http:// or https://", id="no-scheme"),
        pytest.param("127.0.0.1:8000", "must start with http:// or https://", id="host-port-only"),
        pytest.param("ftp://example.com", "must start with http:// or https://", id="other-scheme"),
        pytest.param("http://user:pw@example.com", "must name a host and nothing else", id="userinfo"),
        pytest.param("http://example.com:99999", "has an invalid port", id="bad-port"),
    ],
)
def test_a_public_url_that_is_not_scheme_host_port_is_refused_in_one_line(url, reason):
    # when
    done = start(PUBLIC_URL=url)

    # then: one line naming the variable, the reason and the value; no traceback
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("Authport cannot start: PUBLIC_URL ")
    assert reason in done.stderr
    assert repr(url) in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "url", ["https://auth.example.com", "https://auth.example.com/", "http://127.0.0.1:8766"]
)
def test_scheme_host_and_port_start(url):
    # when
    done = start(PUBLIC_URL=url)

    # then
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


def test_manage_py_reads_the_env_file_when_present(tmp_path):
    # given: what `make serve` writes, and nothing in the environment
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"SECRET_KEY={PROPER_SECRET_KEY}\nAUTHPORT_KEY_ENCRYPTION_KEYS={fernet_key()}\n"
        "PUBLIC_URL=http://127.0.0.1:8766\n"
    )

    # when: as the README says, with no DJANGO_READ_DOT_ENV_FILE
    done = manage(
        "shell", "-v0", "-c", "from django.conf import settings; print(settings.PUBLIC_URL)",
        DJANGO_READ_DOT_ENV_FILE=None, DJANGO_ENV_FILE=str(env_file),
    )  # fmt: skip

    # then
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "http://127.0.0.1:8766"


def test_the_environment_wins_over_the_env_file_and_false_turns_it_off(tmp_path):
    # given
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"SECRET_KEY={PROPER_SECRET_KEY}\nAUTHPORT_KEY_ENCRYPTION_KEYS={fernet_key()}\nPUBLIC_URL=http://a.test\n"
    )
    show = ("shell", "-v0", "-c", "from django.conf import settings; print(settings.PUBLIC_URL)")

    # when
    overridden = manage(
        *show, DJANGO_READ_DOT_ENV_FILE=None, DJANGO_ENV_FILE=str(env_file), PUBLIC_URL="http://b.test"
    )
    off = manage(*show, DJANGO_READ_DOT_ENV_FILE="false", DJANGO_ENV_FILE=str(env_file))

    # then
    assert overridden.stdout.strip() == "http://b.test"
    assert off.returncode == 1
    assert off.stderr.startswith("Authport cannot start: Set the SECRET_KEY environment variable")


def _variables_read_by_the_settings() -> set[str]:
    names = set()
    for path in (BASE_DIR / "authport").rglob("*.py"):
        text = path.read_text()
        names |= set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", text))
        names |= set(re.findall(r"_(?:required|fernet_keys)\(\"([A-Z][A-Z0-9_]+)\"\)", text))
    return names


def test_every_variable_the_settings_read_is_in_env_example_and_the_readme():
    # given
    names = _variables_read_by_the_settings()
    example = (BASE_DIR / ".env.example").read_text()
    readme = (BASE_DIR / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]

    # then
    assert {"PUBLIC_URL", "SECRET_KEY_FALLBACKS", "DATABASE_CONN_MAX_AGE", "LOG_LEVEL", "LOG_FORMAT"} <= names
    assert sorted(n for n in names if not re.search(rf"^#? ?{n}=", example, re.M)) == []
    assert sorted(n for n in names if f"| `{n}` |" not in table) == []


def _persist(env_file: Path, **variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own script
        [
            sys.executable,
            str(BASE_DIR / "scripts" / "persist-env.py"),
            str(env_file),
            "PUBLIC_URL",
            "DATABASE_URL",
        ],
        env={"PATH": os.environ.get("PATH", ""), **variables},
        capture_output=True,
        text=True,
        check=True,
    )


def test_make_serve_keeps_the_public_url_it_was_given(tmp_path):
    # given: the .env of a first `make serve`
    env_file = tmp_path / ".env"
    env_file.write_text("# Written by make serve\nSECRET_KEY=s\nPUBLIC_URL=http://127.0.0.1:8000\n")

    # when: `PUBLIC_URL=http://127.0.0.1:8766 make serve`
    done = _persist(env_file, PUBLIC_URL="http://127.0.0.1:8766")

    # then: later commands read the new one; nothing else changed
    assert env_file.read_text() == "# Written by make serve\nSECRET_KEY=s\nPUBLIC_URL=http://127.0.0.1:8766\n"
    assert done.stdout == f"Saved PUBLIC_URL from the environment to {env_file}; later commands use them.\n"


def test_make_serve_leaves_the_env_file_alone_without_new_values(tmp_path):
    # given
    env_file = tmp_path / ".env"
    env_file.write_text("SECRET_KEY=s\nPUBLIC_URL=http://127.0.0.1:8000\n")
    before = env_file.stat().st_mtime_ns

    # when: the same value, and no DATABASE_URL in the environment
    done = _persist(env_file, PUBLIC_URL="http://127.0.0.1:8000")

    # then
    assert done.stdout == ""
    assert env_file.read_text() == "SECRET_KEY=s\nPUBLIC_URL=http://127.0.0.1:8000\n"
    assert env_file.stat().st_mtime_ns == before
