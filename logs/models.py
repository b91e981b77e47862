"""A log event, with Auth0's fields (SPEC section 9)."""

from django.db import models

from core.models import TenantQuerySet


class LogEvent(models.Model):
    """One event: a token decision, a login, a logout or a Management API write.

    `log_id` is a string of digits that sorts by time (what checkpoint paging walks), `details`
    holds the explanation (`{outcome, steps, summary, fix}`) and the request's non-secret parameters.
    No event ever holds a secret, password, code or token.
    """

    # Every index below leads with the tenant, so the foreign key needs none of its own: each index
    # is written on every event (the token endpoint's log, SPEC section 9). `date` has none: ids sort
    # by time (logs.ids), so the log's order and its date ranges use (tenant, log_id).
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False)
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
    details = models.JSONField(default=dict, blank=True)

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
