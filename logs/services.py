"""Writing to the log store outside the recorder: retention (SPEC section 9)."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from logs.models import LogDetails, LogEvent


@transaction.atomic
def log_events_prune(*, now: dt.datetime | None = None) -> int:
    """Delete events older than LOG_RETENTION_DAYS, and the details of the UTC days that ended
    before then (only those days' events refer to them); returns how many events. A DELETE each."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.LOG_RETENTION_DAYS)
    deleted = LogEvent.objects.filter(date__lt=cutoff).delete()[0]
    LogDetails.objects.filter(day__lt=cutoff.astimezone(dt.UTC).date()).delete()
    return deleted
