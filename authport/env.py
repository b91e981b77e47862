"""The one place that reads the environment (SPEC section 8)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# `make serve` writes a local .env with generated secrets and asks for it to be read;
# production passes real environment variables instead.
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(str(BASE_DIR / ".env"))
