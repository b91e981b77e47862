"""Protocol endpoints that never use sessions, users, messages or CSRF skip the middleware that provides them.

The token endpoint, UserInfo, revocation, the JWKS and discovery authenticate each request by its own
credentials (client secret, bearer token) or not at all, and are CSRF-exempt: the session, CSRF,
authentication and messages middleware only cost them time (measured: 30-55 µs a request, on a
token request of about 1 ms). `SessionlessMiddleware` sits before those in MIDDLEWARE: for a URL
whose view is marked `@sessionless`, it calls the view itself and answers, so the rest of the chain
never runs; every other URL goes down the chain untouched. What the skipped middleware would have
added that such an answer still needs is added here: Content-Length (CommonMiddleware, which the
outer HEAD middleware relies on) and X-Frame-Options (SPEC section 1: nothing is framed).
"""

import functools

from django.conf import settings
from django.urls import Resolver404, get_resolver

# The last path segments of the protocol endpoints (cheap test before resolving the URL).
_SUFFIXES = ("/token", "/userinfo", "/revoke", ".json", "-configuration", "-server")


def sessionless(view):
    """Mark a view as one that reads no session, user, message or CSRF token (see the module)."""
    view.sessionless = True
    return view


@functools.lru_cache(maxsize=4096)
def _sessionless_match(resolver, path: str):
    """The match of a sessionless view's URL, else None. Resolving walks every pattern of every
    included module and builds a match per level (about 8% of a token request); a path resolves the
    same until the URL configuration changes, which makes a new resolver (Django's clear_url_caches),
    hence a new key. Bounded: unknown paths only ever evict entries, at the cost of one resolve each."""
    try:
        match = resolver.resolve(path)
    except Resolver404:
        return None
    return match if getattr(match.func, "sessionless", False) else None


class SessionlessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.endswith(_SUFFIXES) or "/.well-known/oauth-authorization-server/" in path:
            match = _sessionless_match(get_resolver(getattr(request, "urlconf", None)), path)
            if match is not None:
                request.resolver_match = match
                response = match.func(request, *match.args, **match.kwargs)
                if not response.streaming:  # the length of the body as sent, whoever set it before
                    response.headers["Content-Length"] = str(len(response.content))
                response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
                return response
        return self.get_response(request)
