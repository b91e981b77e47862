"""Which host the current request came through (SPEC section 1), for the issuer and the URLs it shapes.

`tenants.hosts.TenantHostMiddleware` sets it for each request: a tenant host or a ready custom domain
serves one tenant at its root, with that host's issuer; PUBLIC_URL's host serves every tenant under
`/{slug}/`. Outside a request (commands, the shell) nothing is set, and tenants answer with their
canonical issuer. A context variable, not a thread-local: each request (and each gunicorn thread)
sees its own value, and the middleware resets it when the response leaves.
"""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestHost:
    """`slug` None: a host that serves every tenant by path. Otherwise the one tenant at the root,
    and `issuer` its issuer on this host (`{scheme}://{host}/`)."""

    slug: str | None = None
    issuer: str | None = None


PATH_ROUTED = RequestHost()

_current: ContextVar[RequestHost | None] = ContextVar("authport_request_host", default=None)


def request_host() -> RequestHost | None:
    return _current.get()


def request_host_set(host: RequestHost | None):
    """Set for the current request; returns the token that `request_host_reset` takes."""
    return _current.set(host)


def request_host_reset(token) -> None:
    _current.reset(token)


def at_root_of(slug: str) -> bool:
    """Whether the current request came through a host that serves tenant `slug` at its root."""
    host = _current.get()
    return host is not None and host.slug == slug


def tenant_path(slug: str, path: str) -> str:
    """The path of `path` (as routed: `/{slug}/...`) as the browser sees it on the current host:
    without the `/{slug}` prefix on the tenant's own host or custom domain."""
    prefix = f"/{slug}"
    if at_root_of(slug) and (path == prefix or path.startswith(prefix + "/")):
        return path[len(prefix) :] or "/"
    return path
