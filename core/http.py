"""Facts about the HTTP client behind any reverse proxies the deployment trusts."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT = N, the N-th X-Forwarded-For
    entry from the right, the one the outermost trusted proxy saw (entries further left are the
    client's own claims and could be forged)."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def end_user_ip(request, *, confidential_client: bool) -> str:
    """The end user's address for brute-force protection. A confidential client that calls the token
    endpoint from its own server names the user's address in `auth0-forwarded-for`, as with Auth0;
    anyone else's claim is ignored, and so is a value that is not an IP address."""
    if confidential_client:
        claimed = request.META.get("HTTP_AUTH0_FORWARDED_FOR", "").strip()
        if claimed:
            try:
                return str(ipaddress.ip_address(claimed))
            except ValueError:
                pass
    return client_ip(request)
