"""Prometheus metrics and the structured request log (README, "Observability").

Counters and histograms live in this module; one middleware measures every request, so no view
knows about metrics. Under gunicorn the values are shared through prometheus-client's multiprocess
mode (PROMETHEUS_MULTIPROC_DIR, set up by authport/gunicorn_conf.py), and the master serves them
on METRICS_BIND, never on the public port. Without that directory (tests, `manage.py shell`) they
stay in this process's default registry.
"""

import functools
import json
import logging
import sys
import time

from django.core.signals import got_request_exception
from django.db import DatabaseError
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from prometheus_client import Counter, Histogram

request_log = logging.getLogger("authport.request")

TOKEN_REQUESTS = Counter(
    "authport_token_requests",
    "Token endpoint decisions: outcome is `issued` or the RFC 6749 error code answered.",
    ["tenant", "grant_type", "outcome"],
)
REQUEST_DURATION = Histogram(
    "authport_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RESPONSES = Counter(
    "authport_http_responses",
    "Responses by endpoint and status class (2xx, 3xx, 4xx, 5xx).",
    ["endpoint", "status_class"],
)
LOG_EVENTS_LOST = Counter(
    "authport_log_events_lost",
    "Log events (SPEC section 9) that could not be stored and are gone.",
)
CACHE_ERRORS = Counter(
    "authport_cache_errors", "Errors raised by the cache backend (Redis), by exception class.", ["error"]
)
DB_ERRORS = Counter("authport_db_errors", "Database errors, by exception class.", ["error"])

# url_name -> the `endpoint` label. Only these names become labels, so the label set stays small.
ENDPOINTS = {
    "token": "token",
    "jwks": "jwks",
    "openid-configuration": "discovery",
    "userinfo": "userinfo",
    "revoke": "revoke",
    "authorize": "authorize",
    "login": "login",
    "logout": "logout",
    "healthz": "health",
    "readyz": "health",
}
MANAGEMENT_ROUTE = "<slug:tenant_slug>/api/v2/"
GRANT_TYPES = {
    "client_credentials": "client_credentials",
    "password": "password",
    "http://auth0.com/oauth/grant-type/password-realm": "password-realm",
    "authorization_code": "authorization_code",
    "refresh_token": "refresh_token",
}
# Errors answered only once the tenant and the client were found: their slug is a real tenant's. The
# slug of any other answer is `unknown` until this process has seen that tenant, so that requests
# for made-up tenants cannot grow the label set without bound.
_TENANT_PROVEN = {
    "access_denied",
    "unauthorized_client",
    "invalid_grant",
    "invalid_scope",
    "too_many_attempts",
}
_MAX_TENANT_LABELS = 10_000
_known_tenants: set[str] = set()


_children: dict[tuple, object] = {}


def _child(metric, *values: str):
    """metric.labels(*values), remembered: labels() takes a lock and validates on every call."""
    key = (metric, values)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(*values)
    return child


def log_events_lost(count: int = 1) -> None:
    """Called by the log-event writer for each event it had to drop (store failed, queue full)."""
    LOG_EVENTS_LOST.inc(count)


def cache_error(exc: BaseException) -> None:
    CACHE_ERRORS.labels(error=type(exc).__name__).inc()


def db_error(exc: BaseException) -> None:
    """Counts each database error once, where it is first seen (a query, or a failed connection)."""
    if getattr(exc, "_authport_counted", False):
        return
    DB_ERRORS.labels(error=type(exc).__name__).inc()
    try:
        exc._authport_counted = True
    except AttributeError:  # pragma: no cover - exceptions with __slots__
        pass


def _count_query_errors(execute, sql, params, many, context):
    try:
        return execute(sql, params, many, context)
    except DatabaseError as exc:
        db_error(exc)
        raise


@receiver(got_request_exception)
def _count_unhandled(sender, request=None, **kwargs):
    # Sent by Django's handler for every exception a view (or middleware) let through, wherever it was
    # raised, while the exception is being handled: an error that became a 500.
    exc = sys.exc_info()[1]
    if exc is None:
        return
    if _is_cache_error(exc):
        cache_error(exc)
    elif isinstance(exc, DatabaseError):
        db_error(exc)  # e.g. no connection at all: no query ran to count it


@receiver(connection_created)
def _watch_connection(sender, connection, **kwargs):
    # One wrapper per connection: a function call per query, no lock.
    if _count_query_errors not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count_query_errors)


def _is_cache_error(exc: BaseException) -> bool:
    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover - redis is a dependency
        return False
    return isinstance(exc, RedisError)


def _endpoint(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return _endpoint_of(match.route, match.url_name, match.app_name)


@functools.lru_cache(maxsize=1024)
def _endpoint_of(route: str, url_name: str | None, app_name: str) -> str:
    """The `endpoint` label of a URL pattern (a pattern's answer never changes: kept per pattern)."""
    if route.startswith(MANAGEMENT_ROUTE):
        return "management_api"
    if url_name is None and route.startswith(("<slug:tenant_slug>/.well-known/oauth-", ".well-known/oauth-")):
        return "discovery"
    if app_name == "admin" or route.startswith("admin/"):
        return "admin"
    return ENDPOINTS.get(url_name or "", "other")


_series: dict[tuple[str, int], tuple] = {}


def _request_series(endpoint: str, status: int) -> tuple:
    """(observe the duration, count the response) of an endpoint and status, looked up once each."""
    key = (endpoint, status)
    series = _series.get(key)
    if series is None:
        series = _series[key] = (
            _child(REQUEST_DURATION, endpoint).observe,
            _child(RESPONSES, endpoint, f"{status // 100}xx").inc,
        )
    return series


def _grant_type(request) -> str:
    try:
        params = getattr(request, "oauth_params", None)  # set by the token endpoint: no second parse
        if params is not None:
            value = params.get("grant_type")
        elif request.content_type == "application/json":
            data = json.loads(request.body)
            value = data.get("grant_type") if isinstance(data, dict) else None
        else:
            value = request.POST.get("grant_type")
    except Exception:  # noqa: BLE001 - whatever the body is, the view already answered it
        value = None
    if not value:
        return "none"
    return GRANT_TYPES.get(value, "other") if isinstance(value, str) else "other"


def _outcome(response) -> str:
    if response.status_code == 200:
        return "issued"
    try:
        code = json.loads(response.content).get("error")
    except Exception:  # noqa: BLE001 - not JSON: a 500 page, say
        code = None
    if isinstance(code, str) and 0 < len(code) <= 40 and code.replace("_", "").isalpha():
        return code
    return f"http_{response.status_code}"


def _tenant(slug: str, outcome: str) -> str:
    if slug in _known_tenants:
        return slug
    if (outcome == "issued" or outcome in _TENANT_PROVEN) and len(_known_tenants) < _MAX_TENANT_LABELS:
        _known_tenants.add(slug)
        return slug
    return "unknown"


class RequestMetricsMiddleware:
    """Times every request, counts token decisions, and writes the request log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        endpoint = _endpoint(request)
        observe, count = _request_series(endpoint, response.status_code)
        observe(elapsed)
        count()
        match = request.resolver_match
        slug = match.kwargs.get("tenant_slug", "") if match is not None else ""
        fields = None
        if endpoint == "token" and request.method == "POST":
            grant_type, outcome = _grant_type(request), _outcome(response)
            _child(TOKEN_REQUESTS, _tenant(slug, outcome), grant_type, outcome).inc()
            fields = {"grant_type": grant_type, "outcome": outcome}
        if request_log.isEnabledFor(logging.INFO):
            request_log.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                elapsed * 1000,
                extra={
                    "method": request.method,
                    "path": request.path,  # never the query string: it may carry a token
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 2),
                    "endpoint": endpoint,
                    "tenant": slug or None,
                    **(fields or {}),
                },
            )
        return response
