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
