"""Bases shared by every tenant-owned model."""

from django.db import DatabaseError, models, transaction


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


def save_existing(instance: models.Model, *, gone: Exception) -> None:
    """Save `instance`; one loaded from the database is only ever updated, never inserted again.

    Django's save() inserts when its UPDATE finds no row, so an update racing a delete would bring
    the deleted row back (an application with its old secret hash, say). A row deleted meanwhile
    raises `gone` instead. Other database errors (constraint violations) pass through.
    """
    if instance._state.adding:
        instance.save()
        return
    try:
        with transaction.atomic():
            instance.save(force_update=True)
    except DatabaseError as exc:  # "Forced update did not affect any rows.", or a constraint
        if not type(instance)._base_manager.filter(pk=instance.pk).exists():
            raise gone from exc
        raise


def auth0_extra_merge(current: dict, given: dict) -> dict:
    """An update of the Auth0-only fields a model keeps as given (SPEC section 5): by name, as a PATCH."""
    return {**(current or {}), **given}
