"""A log event, with Auth0's fields (SPEC section 9)."""

from django.db import models

from core.models import TenantQuerySet


class LogDetails(models.Model):
    """An event's `details`, stored once per tenant, UTC day and content: a token endpoint's events
    for one client and API repeat the same explanation, and storing a kilobyte of JSON per event was
    most of what an event cost PostgreSQL (measured: 44 against 24 µs a row). The key names the
    tenant and the day, so retention deletes a day's details with that day's events (no event of a
    later day refers to them).
    """

    key = models.CharField(max_length=96, primary_key=True)  # "<tenant id>:<day number>:<digest>"
    # No database constraint (as LogEvent.tenant): a batch never fails for a tenant deleted meanwhile.
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    day = models.DateField(db_index=True)  # what retention deletes by
    details = models.JSONField()

    class Meta:
        verbose_name = "log event details"
        verbose_name_plural = "log event details"

    def __str__(self) -> str:
        return self.key


class LogEvent(models.Model):
    """One event: a token decision, a login, a logout or a Management API write.

    `log_id` is a string of digits that sorts by time (what checkpoint paging walks), `details`
    (stored in LogDetails) holds the explanation (`{outcome, steps, summary, fix}`) and the
    request's non-secret parameters.
    No event ever holds a secret, password, code or token.
    """

    # Every index below leads with the tenant, so the foreign key needs none of its own: each index
    # is written on every event (the token endpoint's log, SPEC section 9). `date` has none: ids sort
    # by time (logs.ids), so the log's order and its date ranges use (tenant, log_id).
    # No database constraint: the writer stores many tenants' events in one statement, and one tenant
    # deleted while its events waited must not lose the others' (its events are unreachable, as
    # every read starts from a tenant, and go with retention). Deleting a tenant deletes its events.
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    log_id = models.CharField(max_length=40, editable=False)  # unique within the tenant (Meta)
    date = models.DateTimeField()
    type = models.CharField(max_length=16)
    description = models.TextField(blank=True)
    client_id = models.CharField(max_length=64, blank=True)
    client_name = models.CharField(max_length=200, blank=True)
    ip = models.CharField(max_length=64, blank=True)
    user_agent = models.TextField(blank=True)
    hostname = models.CharField(max_length=255, blank=True)
    user_id = models.CharField(max_length=64, blank=True)
    user_name = models.CharField(max_length=254, blank=True)
    audience = models.TextField(blank=True)
    scope = models.TextField(blank=True)
    strategy = models.CharField(max_length=64, blank=True)
    strategy_type = models.CharField(max_length=64, blank=True)
    connection = models.CharField(max_length=100, blank=True)
    # The details, shared with the tenant's other events of the day that have the same (LogDetails);
    # null when there are none. Read through `details`.
    details_ref = models.ForeignKey(
        LogDetails,
        null=True,
        on_delete=models.DO_NOTHING,  # retention deletes both (logs.services)
        db_constraint=False,
        db_index=False,  # looked up from the event only
        db_column="details_key",
        related_name="+",
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "log event"
        ordering = ["-log_id"]
        constraints = [
            # Reads are per tenant (logs/{id}, checkpoint paging); log ids are random past the time.
            models.UniqueConstraint(fields=["tenant", "log_id"], name="logs_event_tenant_log_id_unique"),
        ]
        indexes = [
            models.Index(fields=["tenant", "type", "log_id"], name="logs_event_tenant_type"),
            models.Index(fields=["tenant", "client_id", "log_id"], name="logs_event_tenant_client"),
            models.Index(fields=["tenant", "user_id", "log_id"], name="logs_event_tenant_user"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.log_id}"

    @property
    def details(self) -> dict:
        """The explanation (`{outcome, steps, summary, fix}`) and the request's non-secret parameters."""
        if self.details_ref_id is None:
            return {}
        try:  # a row gone before its event: absent when read alone, None when joined (select_related)
            shared = self.details_ref
        except LogDetails.DoesNotExist:
            return {}
        return shared.details if shared is not None else {}
