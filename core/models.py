"""Bases shared by every tenant-owned model."""

from django.db import models


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant) -> "TenantQuerySet":
        """Every tenant-owned query starts here, so a row of another tenant is never reached."""
        return self.filter(tenant=tenant)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class TenantOwnedModel(TimeStampedModel):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


def text_storable(value: object) -> bool:
    """Whether `value` is a string the database can hold and compare.

    PostgreSQL refuses NUL in text, and no database driver can encode a lone surrogate as UTF-8;
    JSON bodies and JWT headers carry both (`"\\u0000"`, `"\\ud800"`). Such a value matches nothing
    stored, so callers answer "not found" or a 4xx instead of sending it to the database.
    """
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True
