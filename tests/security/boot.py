"""Start Authport in a fresh process with a crafted environment, as an operator would (SPEC section 8).

The settings are the deployed ones (`authport.settings.base`, not the test settings), and nothing is
inherited from the test run: no .env file, no secrets the test settings put into os.environ.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROPER_SECRET_KEY = "k3y-0f-f1fty-r4nd0m-l00k1ng-ch4r4ct3rs-f0r-th3-t3sts-0nly-Zq9"


def fernet_key() -> str:
    return Fernet.generate_key().decode()


def environment(**variables: str) -> dict[str, str]:
    """Only what a process needs to run, plus `variables`; a variable given as None is left out."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "authport.settings.base",
        "DJANGO_READ_DOT_ENV_FILE": "false",  # manage.py would read a developer's .env otherwise
    }
    env.update(variables)
    return {name: value for name, value in env.items() if value is not None}


def manage(*args: str, **variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )


# Requests through Django's test client, in the subprocess: the settings are exactly what the
# environment makes of them, so no settings override can hide a difference.
_REQUESTS = """
import json, sys
import django
from django.conf import settings
django.setup()
from django.test import Client
from urllib.parse import urlsplit

client = Client(HTTP_HOST=urlsplit(settings.PUBLIC_URL).netloc)
answers = []
for path, secure in json.loads(sys.argv[1]):
    resp = client.get(path, secure=secure)
    answers.append({
        "status": resp.status_code,
        "location": resp.headers.get("Location"),
        "hsts": resp.headers.get("Strict-Transport-Security"),
    })
print(json.dumps(answers))
"""


def requests(paths: list[tuple[str, bool]], **variables: str) -> list[dict]:
    """[(path, secure)] answered as [{status, location, hsts}] by a process started with `variables`."""
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", _REQUESTS, json.dumps(paths)],
        cwd=BASE_DIR,
        env=environment(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


_SETTINGS = """
import json, sys
import django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name, None) for name in sys.argv[1:]}))
"""


def settings_of(names: list[str], **variables: str) -> dict:
    """The values of the settings `names` in a process started with `variables`."""
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", _SETTINGS, *names],
        cwd=BASE_DIR,
        env=environment(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
