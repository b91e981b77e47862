"""CORS for browser apps (SPEC section 1): the tenant's registered origins, or any origin for .well-known."""

from functools import wraps

from django.http import HttpResponse

from clients.models import Client

ALLOWED_HEADERS = "Authorization, Content-Type, Auth0-Client"
MAX_AGE = "86400"


def origin_registered(*, tenant_slug: str, origin: str) -> bool:
    """Whether some client of the tenant lists `origin` in allowed_origins or web_origins."""
    rows = Client.objects.filter(tenant__slug=tenant_slug).values_list("allowed_origins", "web_origins")
    normalized = origin.rstrip("/")
    return any(normalized == o.rstrip("/") for allowed, web in rows for o in [*allowed, *web])


def cors(*, methods: str, any_origin: bool = False, expose: str = ""):
    """Answer preflights and add CORS headers when the Origin is allowed; otherwise add none.
    `expose`: the answer's own headers a browser app may read (Access-Control-Expose-Headers)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, tenant_slug: str, *args, **kwargs):
            origin = request.META.get("HTTP_ORIGIN")  # not request.headers: built per request, ~5 µs
            # Public documents answer every origin, with or without an Origin header, so that a
            # shared cache never stores a copy without the CORS header.
            allowed = any_origin or (
                bool(origin) and origin_registered(tenant_slug=tenant_slug, origin=origin)
            )
            if request.method == "OPTIONS" and request.META.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"):
                response = HttpResponse(status=204)
                if allowed:
                    response["Access-Control-Allow-Methods"] = methods
                    response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
                    response["Access-Control-Max-Age"] = MAX_AGE
            else:
                response = view(request, tenant_slug, *args, **kwargs)
            if allowed:
                response["Access-Control-Allow-Origin"] = "*" if any_origin else origin
                if not any_origin:
                    response["Vary"] = "Origin"
                if expose:
                    response["Access-Control-Expose-Headers"] = expose
            return response

        return wrapper

    return decorator
