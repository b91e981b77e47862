"""The bench's throwaway reference server: plain Django, no middleware, no apps, one URL module.

It serves the two ceilings Authport is compared with in the same run (bench/run.py): a JSON view
(what Django and gunicorn cost at all) and a hand-written client_credentials view that does one
SELECT and signs with a cached key (what the token endpoint's design costs at the least). It reads
Authport's tables and secrets from the same environment as the server under test. Never deployed.
"""

import environ

env = environ.Env()

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")  # the same key as Authport's: client secrets are keyed hashes of it
SECRET_KEY_FALLBACKS: list[str] = []
AUTHPORT_KEY_ENCRYPTION_KEYS = env.list("AUTHPORT_KEY_ENCRYPTION_KEYS")
PUBLIC_URL = env.str("PUBLIC_URL").rstrip("/")
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.reference_urls"
DATABASES = {"default": env.db_url("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = None  # one connection per thread, kept for the whole run
USE_TZ = True
LOGGING_CONFIG = None
