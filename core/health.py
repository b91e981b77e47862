"""Liveness and readiness probes (SPEC section 1)."""

import functools

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from core.metrics import db_error


def _probe(view):
    """GET and HEAD only; anything else is a JSON 405, never the CSRF middleware's HTML page."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request):
        if request.method not in ("GET", "HEAD"):
            response = JsonResponse(
                {"error": "method_not_allowed", "error_description": "Health probes answer GET and HEAD."},
                status=405,
            )
            response["Allow"] = "GET, HEAD"
            return response
        return view(request)

    return wrapper


@_probe
def healthz(request):
    """Alive: answers without touching the database."""
    return JsonResponse({"status": "ok"})


@_probe
def readyz(request):
    """Ready: the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        db_error(exc)
        return JsonResponse({"status": "unavailable", "database": str(exc.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
