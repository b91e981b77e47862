"""Liveness and readiness probes (SPEC section 1)."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.http import require_safe

from core.metrics import db_error


@require_safe
def healthz(request):
    """Alive: answers without touching the database."""
    return JsonResponse({"status": "ok"})


@require_safe
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
