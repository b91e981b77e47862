"""`{% recent_log_events obj as recent %}`: an object's latest events and the link to all of them, for the
tenant's, an API's and an application's admin pages (SPEC section 9). The query lives here, in Python."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from logs.models import LogEvent

register = template.Library()

RECENT = 10


@dataclass(frozen=True)
class RecentEvents:
    events: list[dict]
    url: str  # the log events list, filtered to the object


def _filters(obj) -> dict[str, str] | None:
    """What an object's events have in common, by model label (logs sits below apis and clients)."""
    label = obj._meta.label
    if label == "tenants.Tenant":
        return {"tenant": str(obj.pk)}
    if label == "apis.ResourceServer":
        return {"tenant": str(obj.tenant_id), "audience": obj.identifier}
    if label == "clients.Client":
        return {"tenant": str(obj.tenant_id), "client_id": obj.client_id}
    return None


@register.simple_tag
def recent_log_events(obj) -> RecentEvents | None:
    filters = _filters(obj) if obj is not None else None
    if filters is None:
        return None
    lookup = {("tenant_id" if k == "tenant" else k): v for k, v in filters.items()}
    rows = LogEvent.objects.filter(**lookup).order_by("-log_id")[:RECENT]
    return RecentEvents(
        events=[
            {
                "url": reverse("admin:logs_logevent_change", args=[event.pk]),
                "date": event.date,
                "type": event.type,
                "who": event.user_name or event.user_id or event.client_name or event.client_id,
                "description": event.description,
            }
            for event in rows
        ],
        url=f"{reverse('admin:logs_logevent_changelist')}?{urlencode(filters)}",
    )
