"""The one place that reads the environment (SPEC section 8)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# A local .env (`make serve` writes one with generated secrets) is read only when
# DJANGO_READ_DOT_ENV_FILE is true, as in cookiecutter-django; manage.py turns it on by default, so
# that every command an operator types sees what `make serve` saw. Production passes real
# environment variables instead, and they always win over the file. DJANGO_ENV_FILE points elsewhere.
DOT_ENV_FILE = Path(env.str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env")))
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False) and DOT_ENV_FILE.is_file():
    env.read_env(str(DOT_ENV_FILE))
