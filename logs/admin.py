"""A tenant's log events in the admin (SPEC section 9): read-only, scoped to the staff member's tenants,
filtered by type, application, API, user and date, and each event with its explanation."""

import json
from functools import reduce
from operator import or_

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import BadRequest, ValidationError
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from core.admin import TenantScopedAdmin, member_tenant_ids
from logs.ids import log_id_floor
from logs.models import LogEvent
from logs.types import TYPE_NAMES

CHOICES_FROM_LATEST = 2000  # filter choices come from this many latest events, not a scan of the store


def _clean(value: str | None) -> str | None:
    # No stored value holds a NUL, and PostgreSQL refuses one in a query: nothing can match.
    return None if value is None or "\x00" in value else value


class _SeenValuesFilter(admin.SimpleListFilter):
    """Choices: the values seen in the latest events the admin may see; any value still filters."""

    label_field: str | None = None

    def lookups(self, request, model_admin):
        fields = [self.parameter_name] + ([self.label_field] if self.label_field else [])
        latest = model_admin.get_queryset(request).order_by("-log_id").values_list(*fields)
        seen: dict[str, str] = {}
        for row in latest[:CHOICES_FROM_LATEST]:
            if row[0] and row[0] not in seen:
                seen[row[0]] = f"{row[1]} ({row[0]})" if len(row) > 1 and row[1] else row[0]
        return sorted(seen.items(), key=lambda item: item[1].lower())

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        value = _clean(value)
        return queryset.filter(**{self.parameter_name: value}) if value is not None else queryset.none()


class TypeFilter(_SeenValuesFilter):
    title = "type"
    parameter_name = "type"

    def lookups(self, request, model_admin):
        seen = dict(super().lookups(request, model_admin))
        codes = sorted(set(TYPE_NAMES) | set(seen))
        return [(code, f"{code}: {TYPE_NAMES[code]}" if code in TYPE_NAMES else code) for code in codes]


class ApplicationFilter(_SeenValuesFilter):
    title = "application"
    parameter_name = "client_id"
    label_field = "client_name"


class ApiFilter(_SeenValuesFilter):
    title = "API (audience)"
    parameter_name = "audience"


class UserFilter(_SeenValuesFilter):
    title = "user"
    parameter_name = "user_id"
    label_field = "user_name"


class LogDateFilter(admin.DateFieldListFilter):
    """Django's date choices (today, past 7 days, ...), answered on the (tenant, log_id) index: ids
    sort as their events' times do (logs.ids), and the log keeps no date index, which every event
    would have to write. `date >= t` is `log_id >= log_id_floor(t)`, `date < t` is `log_id < ` it."""

    def queryset(self, request, queryset):
        bounds = Q()
        for param, lookup in (
            (self.lookup_kwarg_since, "log_id__gte"),
            (self.lookup_kwarg_until, "log_id__lt"),
        ):
            values = self.used_parameters.get(param)
            if values:
                bounds &= reduce(or_, (Q((lookup, log_id_floor(self._instant(v)))) for v in values))
        return queryset.filter(bounds)

    def _instant(self, value: str):
        try:
            when = self.field.to_python(value)  # a date, or a date and time, as the date lookup takes
        except ValidationError as exc:
            raise IncorrectLookupParameters(exc) from exc
        if when is None:
            raise IncorrectLookupParameters(f"Not a date: {value!r}")
        return timezone.make_aware(when) if timezone.is_naive(when) else when


class TenantFilter(admin.SimpleListFilter):
    title = "tenant"
    parameter_name = "tenant"

    def lookups(self, request, model_admin):
        tenants = LogEvent._meta.get_field("tenant").related_model.objects.order_by("slug")
        if not request.user.is_superuser:
            tenants = tenants.filter(pk__in=member_tenant_ids(request))
        return [(str(t.pk), t.slug) for t in tenants]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(tenant_id=int(value)) if value.isdigit() else queryset.none()


@admin.register(LogEvent)
class LogEventAdmin(TenantScopedAdmin):
    list_display = ("date", "type_display", "description", "client_display", "user_display", "tenant")
    list_select_related = ("tenant",)
    list_filter = (
        TenantFilter,
        TypeFilter,
        ApplicationFilter,
        ApiFilter,
        UserFilter,
        ("date", LogDateFilter),
    )
    search_fields = ("=log_id",)  # the id a token response carries (and a developer hands to an admin)
    search_help_text = "An event's log_id."
    ordering = ("-log_id",)
    show_full_result_count = False  # no second COUNT over a large store
    actions = None
    fieldsets = (
        (None, {"fields": ("log_id", "date", "type_display", "description", "tenant")}),
        ("Explanation", {"fields": ("explanation",)}),
        (
            "Who and where",
            {
                "fields": (
                    "client_id",
                    "client_name",
                    "audience",
                    "scope",
                    "user_id",
                    "user_name",
                    "connection",
                    "strategy",
                    "strategy_type",
                    "ip",
                    "user_agent",
                    "hostname",
                )
            },
        ),
        ("Details", {"fields": ("details_json",)}),
    )
    readonly_fields = ("type_display", "explanation", "details_json")

    # Events are what happened: machine-made, never added, edited or deleted by hand (retention
    # deletes them, through clear_expired_tokens).
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if any("\x00" in value for _, values in request.GET.lists() for value in values):
            raise BadRequest("A NUL character in the query.")
        return super().changelist_view(request, extra_context)

    @admin.display(description="type", ordering="type")
    def type_display(self, event: LogEvent) -> str:
        name = TYPE_NAMES.get(event.type)
        return f"{event.type} ({name})" if name else event.type

    @admin.display(description="application", ordering="client_name")
    def client_display(self, event: LogEvent) -> str:
        return event.client_name or event.client_id or "—"

    @admin.display(description="user", ordering="user_name")
    def user_display(self, event: LogEvent) -> str:
        return event.user_name or event.user_id or "—"

    @admin.display(description="explanation")
    def explanation(self, event: LogEvent) -> str:
        answer = event.details.get("explanation") if isinstance(event.details, dict) else None
        return render_to_string("admin/logs/logevent/explanation.html", explanation_for_display(answer))

    @admin.display(description="details (JSON)")
    def details_json(self, event: LogEvent) -> str:
        return render_to_string(
            "admin/logs/logevent/details.html",
            {"json": json.dumps(event.details, indent=2, ensure_ascii=False)},
        )


def explanation_for_display(answer) -> dict:
    """`details.explanation` ({outcome, steps, summary, fix}) as the template shows it, whatever its shape."""
    if not isinstance(answer, dict):
        return {"missing": True}
    steps = []
    for step in answer.get("steps") or []:
        if isinstance(step, dict):
            steps.append((str(step.get("step", "")), str(step.get("detail", ""))))
        else:
            steps.append(("", str(step)))
    outcome = answer.get("outcome")
    rows = (
        [(str(k), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in outcome.items()]
        if isinstance(outcome, dict)
        else []
    )
    return {
        "missing": False,
        "summary": str(answer.get("summary") or ""),
        "fix": str(answer.get("fix") or ""),
        "steps": steps,
        "outcome_rows": rows,
    }
