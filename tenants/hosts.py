"""Tenant hosts and custom domains (SPEC section 1): which tenant a Host serves, and its issuers.

`TenantHostMiddleware` reads the Host first, before any other middleware reads it or the path:
- PUBLIC_URL's host (and LOCAL_HOSTS): every tenant under `/{slug}/`, as without TENANT_DOMAIN;
- `{slug}.{TENANT_DOMAIN}`, or a ready custom domain: one tenant at the root. The path is routed as
  `/{slug}{path}`, so every endpoint is the same view on either host, and the request's issuer is
  that host's (`tenants.request_host`);
- the hosts of an explicit ALLOWED_HOSTS: by path, as before tenant domains existed;
- any other host: 400, in JSON (never Django's HTML page), before anything else runs.
"""

import re
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.http import JsonResponse
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

from tenants.models import RESERVED_SLUGS, SLUG_PATTERN, CustomDomain, Tenant, public_netloc, public_scheme
from tenants.request_host import PATH_ROUTED, RequestHost, request_host_reset, request_host_set

_SLUG = re.compile(SLUG_PATTERN)
# Served on every accepted host as they are, never as a tenant's path: probes, and the static files
# that the login page links to.
_UNPREFIXED = ("/healthz", "/readyz", f"/{settings.STATIC_URL.strip('/')}/")


def tenant_host_slug(domain: str) -> str | None:
    """The slug of a tenant host `{slug}.{TENANT_DOMAIN}` (a well-formed, unreserved slug), or None."""
    parent = settings.TENANT_DOMAIN
    if not parent or not domain.endswith(f".{parent}"):
        return None
    slug = domain[: -len(parent) - 1]
    if not _SLUG.fullmatch(slug) or slug in RESERVED_SLUGS:
        return None
    return slug


@lru_cache(maxsize=8)
def _hostname(url: str) -> str | None:
    return urlsplit(url).hostname


def _path_hosts() -> set[str]:
    return {_hostname(settings.PUBLIC_URL), *settings.LOCAL_HOSTS}


# The answer of host_resolve is in the database (custom domains), read on every request.
_BY_DATABASE = object()


def _settled(domain: str):
    """What the settings alone say `domain` serves: PATH_ROUTED, one tenant at the root, or None
    (unknown); _BY_DATABASE when only the custom domains can tell."""
    if domain in _path_hosts():
        return PATH_ROUTED
    slug = tenant_host_slug(domain)
    if slug is not None:
        return RequestHost(slug=slug, issuer=f"{public_scheme()}://{public_netloc(domain)}/")
    if settings.TENANT_DOMAIN and is_same_domain(domain, f".{settings.TENANT_DOMAIN}"):
        return None  # the parent domain itself, a reserved or malformed label: no tenant there
    return _BY_DATABASE


def _by_database(domain: str) -> RequestHost | None:
    slug = (
        CustomDomain.objects.filter(domain=domain, status=CustomDomain.Status.READY)
        .values_list("tenant__slug", flat=True)
        .first()
    )
    if slug is not None:
        return RequestHost(slug=slug, issuer=f"{public_scheme()}://{public_netloc(domain)}/")
    if validate_host(domain, [h for h in settings.ALLOWED_HOSTS if h != "*"]):
        return PATH_ROUTED
    return None


def host_resolve(domain: str) -> RequestHost | None:
    """What `domain` (lowercase, no port) serves: PATH_ROUTED, one tenant at the root, or None (unknown)."""
    settled = _settled(domain)
    return _by_database(domain) if settled is _BY_DATABASE else settled


class _HostAnswers:
    """The Host check's answer per (Host, X-Forwarded-Host) header pair: Django's get_host() and what
    the settings say the host serves, which only a change of settings changes. Measured: 64,000
    instructions a token request (get_host and the port split each parse the host), 4% of it.

    In this process's memory, which is safe for a second host to miss: each host works it out from
    the same settings. Custom domains stay in the database and are read on every request
    (_BY_DATABASE). Bounded: when full it starts again, so sprayed Host headers cost only what every
    request paid before."""

    LIMIT = 1024

    def __init__(self) -> None:
        self._answers: dict[tuple, tuple] = {}

    def answer(self, request) -> tuple:
        """(host, domain, settled): the host as get_host() answers it and its domain, and _settled's
        answer; (None, shown, None) for a host Django refuses."""
        meta = request.META
        key = (meta.get("HTTP_HOST"), meta.get("HTTP_X_FORWARDED_HOST"))
        found = self._answers.get(key)
        if found is None:
            found = self._work_out(request)
            if key[0] is not None:  # without a Host header, the server's name and port decide
                if len(self._answers) >= self.LIMIT:
                    self._answers = {}
                self._answers[key] = found
        return found

    @staticmethod
    def _work_out(request) -> tuple:
        try:
            host = request.get_host()  # Django's ALLOWED_HOSTS check ("*" by default: this module decides)
        except DisallowedHost:
            return None, request.META.get("HTTP_HOST", ""), None
        domain, _port = split_domain_port(host)
        return host, domain, (_settled(domain) if domain else None)

    def clear(self, **kwargs) -> None:
        self._answers = {}


_host_answers = _HostAnswers()
setting_changed.connect(_host_answers.clear)  # tests' override_settings; deployed settings never change


def _unknown_host(host: str) -> JsonResponse:
    shown = host[:255]
    response = JsonResponse(
        {
            "error": "invalid_request",
            "error_description": (
                f"Unknown host: {shown}. This server answers on the host of its PUBLIC_URL, on tenant "
                "hosts ({slug}.TENANT_DOMAIN) and on verified custom domains."
            ),
        },
        status=400,
    )
    response["Cache-Control"] = "no-store"
    return response


class TenantHostMiddleware:
    """See the module. The host's tenant and issuer hold for this request only."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        host, domain, resolved = _host_answers.answer(request)
        if host is None:
            return _unknown_host(domain)  # Django refused it: `domain` holds the raw header
        if resolved is _BY_DATABASE:
            resolved = _by_database(domain)
        if resolved is None:
            return _unknown_host(host)
        request.validated_host = host  # what get_host() answers, for those who record it (logs)
        if resolved.slug is not None and not request.path_info.startswith(_UNPREFIXED):
            request.path_info = f"/{resolved.slug}{request.path_info}"
        token = request_host_set(resolved)
        try:
            return self.get_response(request)
        finally:
            request_host_reset(token)


def tenant_issuers(tenant: Tenant) -> list[str]:
    """Every issuer of the tenant: canonical, path-based, and each ready custom domain's (SPEC section 1)."""
    issuers = [tenant.canonical_issuer]
    if tenant.path_issuer not in issuers:
        issuers.append(tenant.path_issuer)
    for domain in CustomDomain.objects.for_tenant(tenant).filter(status=CustomDomain.Status.READY):
        issuers.append(domain.issuer)
    return issuers


def tenant_issuer_accepted(tenant: Tenant, issuer: object) -> bool:
    """Whether `issuer` is one of the tenant's: Authport's own checks accept a token issued through any
    of its hosts. The custom domains are read only when the cheap candidates do not match."""
    if not isinstance(issuer, str):
        return False
    if issuer in (tenant.issuer, tenant.canonical_issuer, tenant.path_issuer):
        return True
    return issuer in tenant_issuers(tenant)
