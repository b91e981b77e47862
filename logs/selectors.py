"""Reading a tenant's log events (SPEC section 9). Every query starts from the tenant."""

from django.db.models import QuerySet

from logs.errors import InvalidLogQuery, LogEventNotFound
from logs.models import LogEvent
from logs.query import log_query

SORTS = {"date:-1": ("-log_id",), "date:1": ("log_id",)}  # ids sort by time (logs.ids)


def _with_details(tenant) -> QuerySet[LogEvent]:
    """The tenant's events, each read with its details (LogDetails) in the same query."""
    return LogEvent.objects.for_tenant(tenant).select_related("details_ref")


def log_events_search(*, tenant, q: str = "", sort: str = "date:-1") -> QuerySet[LogEvent]:
    """The tenant's events matching `q` (Auth0's query syntax, `logs.query`), newest first by default."""
    if sort not in SORTS:
        raise InvalidLogQuery(f'sort must be "date:1" or "date:-1", not "{sort}".')
    return _with_details(tenant).filter(log_query(q)).order_by(*SORTS[sort])


def log_events_after(*, tenant, log_id: str, take: int) -> list[LogEvent]:
    """Checkpoint paging: the `take` events after `log_id` (exclusive), oldest to newest; from the
    oldest when `log_id` is empty. log_ids are digit strings of one length that sort by time."""
    events = _with_details(tenant)
    if log_id:
        events = events.filter(log_id__gt=log_id)
    return list(events.order_by("log_id")[:take])


def log_event_get(*, tenant, log_id: str) -> LogEvent:
    event = _with_details(tenant).filter(log_id=log_id).first()
    if event is None:
        raise LogEventNotFound()
    return event


def log_events_recent(
    *,
    tenant,
    after: str = "",
    types: list[str] | None = None,
    client_id: str = "",
    limit: int = 100,
) -> list[LogEvent]:
    """For `tail_logs`: the newest `limit` events (or those after `after`), oldest to newest."""
    events = _with_details(tenant)
    if types:
        events = events.filter(type__in=types)
    if client_id:
        events = events.filter(client_id=client_id)
    if after:
        return list(events.filter(log_id__gt=after).order_by("log_id")[:limit])
    return list(reversed(events.order_by("-log_id")[:limit]))
