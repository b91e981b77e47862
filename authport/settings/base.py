"""Settings shared by every deployment; differences come only from the environment."""

import re
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from authport.env import BASE_DIR, env

DEBUG = env.bool("DEBUG", default=False)

MIN_SECRET_KEY_LENGTH = 32
_GENERATE_FERNET_KEY = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


def _required(name: str) -> str:
    """A secret with no default, DEBUG or not (SPEC section 8): refuse to boot without it.

    Messages name the variable, never its value: startup errors end up in logs.
    """
    value = env.str(name, default="")
    if not value.strip():
        raise ImproperlyConfigured(
            f"Set the {name} environment variable (see README, 'Configuration'; "
            "`make serve` writes one to .env)."
        )
    return value


def _fernet_keys(name: str) -> list[str]:
    """Comma-separated Fernet keys, each parsed now, so that a bad one stops the boot, not the first login."""
    keys = [k.strip() for k in _required(name).split(",") if k.strip()]
    if not keys:
        raise ImproperlyConfigured(f"{name} lists no key. Generate one with: {_GENERATE_FERNET_KEY}")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            raise ImproperlyConfigured(
                f"Entry {position} of {name} is not a Fernet key (32 url-safe base64-encoded bytes). "
                f"Generate one with: {_GENERATE_FERNET_KEY}"
            ) from None  # the parser's own message is enough; the key itself is never printed
    return keys


def _public_url(value: str) -> str:
    """Scheme, host and optional port only (SPEC section 1): tenants live at {PUBLIC_URL}/{slug}/.

    A path would be dropped from every route while discovery still advertised it (URLs that 404),
    so it is refused at start, with a query, fragment or user part, in one line that says why.
    """
    url = value.strip().rstrip("/")
    shape = "scheme, host and optional port, e.g. https://auth.example.com or http://127.0.0.1:8000"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(
            f"PUBLIC_URL must start with http:// or https:// ({shape}); got {value!r}."
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        raise ImproperlyConfigured(f"PUBLIC_URL has an invalid port ({shape}); got {value!r}.") from None
    if not parts.hostname or "@" in parts.netloc:
        raise ImproperlyConfigured(f"PUBLIC_URL must name a host and nothing else ({shape}); got {value!r}.")
    if parts.path or parts.query or parts.fragment or url.endswith(("?", "#")):
        raise ImproperlyConfigured(
            f"PUBLIC_URL must have no path, query or fragment ({shape}); got {value!r}. Authport serves "
            "each tenant at {PUBLIC_URL}/{slug}/ and cannot be mounted under a path."
        )
    return url


PUBLIC_URL = _public_url(env.str("PUBLIC_URL", default="http://127.0.0.1:8000"))
_public = urlsplit(PUBLIC_URL)

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)


def _tenant_domain(value: str) -> str:
    """The parent domain of the tenant hosts (SPEC section 1), or "" (unset: path-based tenants only).

    A bare DNS name: each tenant answers at `{slug}.{TENANT_DOMAIN}` with PUBLIC_URL's scheme and port,
    so a scheme, port or path here would be ambiguous, and is refused at start.
    """
    domain = value.strip().lower().rstrip(".")
    if domain and not _HOSTNAME.fullmatch(domain):
        raise ImproperlyConfigured(
            "TENANT_DOMAIN must be a DNS name of two labels or more, without scheme, port or path "
            f"(e.g. auth.example.com; tenants then answer at {{slug}}.auth.example.com); got {value!r}."
        )
    return domain


# Tenant hosts (SPEC section 1): unset, every tenant is served under {PUBLIC_URL}/{slug}/ only.
TENANT_DOMAIN = _tenant_domain(env.str("TENANT_DOMAIN", default=""))

# No built-in value ever stands in, DEBUG or not: it would key every client-secret hash and session.
SECRET_KEY = _required("SECRET_KEY")
if not DEBUG and len(SECRET_KEY.strip()) < MIN_SECRET_KEY_LENGTH:
    raise ImproperlyConfigured(
        f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters. Generate one with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

# Fernet keys, newest first: encrypt with the first, decrypt with any (SPEC section 4).
AUTHPORT_KEY_ENCRYPTION_KEYS = _fernet_keys("AUTHPORT_KEY_ENCRYPTION_KEYS")

# Reverse proxies in front of Authport (0: none). With N, the client address is the N-th entry from
# the right of X-Forwarded-For (what the outermost trusted proxy saw), and X-Forwarded-Proto says https.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Brute-force protection (SPEC section 2, step 8): consecutive failed passwords per account and address
# before the account is blocked from that address, and how long a block lasts unless an admin lifts it.
BRUTE_FORCE_MAX_ATTEMPTS = env.int("BRUTE_FORCE_MAX_ATTEMPTS", default=10)
BRUTE_FORCE_BLOCK_SECONDS = env.int("BRUTE_FORCE_BLOCK_SECONDS", default=24 * 3600)
if BRUTE_FORCE_MAX_ATTEMPTS < 1 or BRUTE_FORCE_BLOCK_SECONDS < 1:
    raise ImproperlyConfigured("BRUTE_FORCE_MAX_ATTEMPTS and BRUTE_FORCE_BLOCK_SECONDS must be 1 or more.")

# Log events are kept this many days; clear_expired_tokens deletes older ones (SPEC section 9).
LOG_RETENTION_DAYS = env.int("LOG_RETENTION_DAYS", default=30)
if LOG_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("LOG_RETENTION_DAYS must be 1 or more.")

# Log events (SPEC section 9) are stored by a writer thread per process, off the request path;
# LOG_EVENTS_SYNC=true stores them within the request instead (the tests do).
LOG_EVENTS_SYNC = env.bool("LOG_EVENTS_SYNC", default=False)
# Off only to measure what recording costs (`make bench` runs both); SPEC section 9 wants it on.
LOG_EVENTS_ENABLED = env.bool("LOG_EVENTS_ENABLED", default=True)

# The host middleware (tenants.hosts, first to read the Host header) accepts PUBLIC_URL's host and
# LOCAL_HOSTS (every tenant under /{slug}/), tenant hosts and ready custom domains, and answers any other
# host 400 in JSON. Custom domains live in the database, so Django's own check is left to it by default,
# as Django's docs describe for "*"; an explicit ALLOWED_HOSTS narrows Django's check as well (its hosts
# then also serve tenants by path, and custom domains must be listed in it to be reached).
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"]  # probes and local use, as PUBLIC_URL's host
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served locally, not from a CDN
    "core",
    "tenants",
    "apis",
    "clients",
    "accounts",
    "tokens",
    "provisioning",
    "logs",
]

MIDDLEWARE = [
    "core.head.HeadResponseMiddleware",  # outermost: sees the final response, Content-Length included
    "core.metrics.RequestMetricsMiddleware",  # Prometheus metrics and the request log (LOG_FORMAT)
    # Resolves the Host (tenant host, custom domain, PUBLIC_URL's) before anything reads it or the path.
    "tenants.hosts.TenantHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The OAuth protocol endpoints answer here: they use none of the middleware below (core/sessionless.py).
    "core.sessionless.SessionlessMiddleware",
    # Static files (the admin's): no protocol endpoint's path is one, so those skip this lookup.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "authport.urls"
WSGI_APPLICATION = "authport.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# An empty DATABASE_URL (e.g. `DATABASE_URL= make serve`) means the default, not a broken URL.
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
if not DATABASES["default"].get("ENGINE"):
    raise ImproperlyConfigured(
        "DATABASE_URL names no database engine django-environ knows (sqlite://, postgres://, ...)."
    )
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The same backend, with a health check that polls the socket instead of a SELECT 1 per request.
    DATABASES["default"]["ENGINE"] = "core.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The same backend, with each statement's placeholders rewritten once (core/sqlite3).
    DATABASES["default"]["ENGINE"] = "core.sqlite3"
    # Django's default test database for SQLite, said outright: pytest-django knows it only by the
    # engine's name, and would otherwise give each xdist worker a file named after DATABASE_URL's.
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", ":memory:")
    # Several gunicorn threads share one file: wait for the write lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "core.redis_cache.RedisCache"  # the same, one client per pool
# Brute-force counters must be seen by every worker and host (SPEC section 2.8). A process-local
# default cache cannot share them, so they then live in a database table (made by `migrate`).
if CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache")):
    CACHES["attempts"] = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "authport_attempts",
    }
else:
    CACHES["attempts"] = CACHES["default"]
# JWKS and discovery come from the cache, keyed on a version each change bumps (tenants/published.py).
# A shared cache holds the version too; a process-local one cannot, so the version is read from the
# database on each request, and a rotation made by another process is still seen at once.
PUBLISHED_VERSIONS_IN_CACHE = not CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The token endpoint's bodies are small; anything larger is refused before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
# The Management API's own limit (management_api.parsers), Auth0's: "a maximum payload size of 1 megabyte".
MANAGEMENT_API_MAX_BODY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _public.scheme == "https"
CSRF_COOKIE_SECURE = _public.scheme == "https"
if _public.scheme == "https":
    # Served over https: browsers are told never to come back over plain http (HSTS), and plain http
    # is redirected, except the probes, which load balancers send over plain http. With an http
    # PUBLIC_URL (local use) none of this applies: HSTS would pin 127.0.0.1 to https in the browser.
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)  # 0 turns HSTS off
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if SECURE_HSTS_SECONDS < 0:
        raise ImproperlyConfigured("SECURE_HSTS_SECONDS must be 0 or more.")
    # Behind a proxy that terminates TLS, TRUSTED_PROXY_COUNT makes its X-Forwarded-Proto count;
    # without it every request looks like plain http. A proxy that redirects itself can turn this off.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' preload list is the operator's commitment (every subdomain on https,
        # hard to undo), never a default: Django's check --deploy asks for it, and is silenced until
        # SECURE_HSTS_PRELOAD=true says the operator made it.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # No body parser by default: TenantApiView sets management_api.parsers.StrictJSONParser (which
    # cannot be named here: the setting is imported while rest_framework.views itself loads).
    "DEFAULT_PARSER_CLASSES": [],
    # Nothing is open by default: every Management API view sets its own (management_api.TenantApiView).
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "management_api.errors.management_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "management_api.views.ManagementAutoSchema",
}

# The Management API's OpenAPI document (/api/schema/) and its docs pages (/api/docs/, /api/redoc/).
SPECTACULAR_SETTINGS = {
    "TITLE": "Authport Management API",
    "DESCRIPTION": (
        "Auth0-compatible Management API v2 of each tenant, under `/{tenant_slug}/api/v2/`. "
        "Authenticate with a Bearer JWT from the tenant's `/oauth/token` (client_credentials, "
        "audience `{issuer}api/v2/`) carrying each endpoint's scope. Lists answer a plain array, "
        "or `{<items>, start, limit, total}` with `include_totals=true`. Errors are "
        "`{statusCode, error, message, errorCode}`."
    ),
    "VERSION": "2",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/[a-z0-9-]+/api/v2",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Secrets shown once in the admin travel in a message: keep messages server-side, not in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Set by authport/gunicorn_conf.py for its workers (prometheus-client's multiprocess mode); a process
# started with it (say, manage.py under an exported variable) writes there too, so it must exist.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)

# LOG_FORMAT=json: every line is one JSON object, and each request is logged (`authport.request`:
# method, path, status, duration_ms, endpoint, tenant; grant_type and outcome at the token endpoint).
# In text format gunicorn's access log tells about requests instead.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT = env.str("LOG_FORMAT", default="text").lower()
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json; got {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"authport.request": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"}},
}
