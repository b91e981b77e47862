"""Writing to the log store outside the recorder: retention (SPEC section 9)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from logs.models import LogEvent


def log_events_prune(*, now: dt.datetime | None = None) -> int:
    """Delete events older than LOG_RETENTION_DAYS; returns how many. One DELETE (no cascades)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.LOG_RETENTION_DAYS)
    return LogEvent.objects.filter(date__lt=cutoff).delete()[0]
