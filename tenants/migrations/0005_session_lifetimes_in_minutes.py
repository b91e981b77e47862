"""Session lifetimes in minutes, as Auth0 keeps them: the absolute lifetime (whole hours until now)
becomes `session_lifetime_in_minutes` with the same value, and the idle lifetime, until now only kept
in `auth0_extra` as given, becomes a column that takes effect (Auth0's default, 72 hours, where none
was given)."""

from django.db import migrations, models
from django.db.models import Q

import django.core.validators

MAX_MINUTES = 365 * 24 * 60


def _idle_minutes(extra: dict) -> int | None:
    minutes = extra.get("idle_session_lifetime_in_minutes")
    if isinstance(minutes, int) and not isinstance(minutes, bool):
        return minutes
    hours = extra.get("idle_session_lifetime")
    if isinstance(hours, (int, float)) and not isinstance(hours, bool):
        return round(hours * 60)
    return None


def hours_to_minutes(apps, schema_editor):
    Tenant = apps.get_model("tenants", "Tenant")
    for tenant in Tenant.objects.all():
        tenant.session_lifetime_in_minutes = min(max(tenant.session_lifetime * 60, 1), MAX_MINUTES)
        extra = dict(tenant.auth0_extra or {})
        idle = _idle_minutes(extra)
        if idle is not None:
            tenant.idle_session_lifetime_in_minutes = min(max(idle, 1), MAX_MINUTES)
        extra.pop("idle_session_lifetime", None)
        extra.pop("idle_session_lifetime_in_minutes", None)
        tenant.auth0_extra = extra
        tenant.save(
            update_fields=["session_lifetime_in_minutes", "idle_session_lifetime_in_minutes", "auth0_extra"]
        )


def minutes_to_hours(apps, schema_editor):
    Tenant = apps.get_model("tenants", "Tenant")
    for tenant in Tenant.objects.all():
        tenant.session_lifetime = max(round(tenant.session_lifetime_in_minutes / 60), 1)
        tenant.auth0_extra = {
            **(tenant.auth0_extra or {}),
            "idle_session_lifetime_in_minutes": tenant.idle_session_lifetime_in_minutes,
        }
        tenant.save(update_fields=["session_lifetime", "auth0_extra"])


def _minutes_field(verbose_name: str, default: int, help_text: str):
    return models.PositiveIntegerField(
        verbose_name,
        default=default,
        validators=[
            django.core.validators.MinValueValidator(1),
            django.core.validators.MaxValueValidator(MAX_MINUTES),
        ],
        help_text=help_text,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0004_custom_domains"),
    ]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="session_lifetime_in_minutes",
            field=_minutes_field(
                "maximum session lifetime (minutes)",
                10080,
                "An SSO session ends this long after the login, even if it is used (Auth0's "
                "session_lifetime; Dashboard: Require log in after).",
            ),
        ),
        migrations.AddField(
            model_name="tenant",
            name="idle_session_lifetime_in_minutes",
            field=_minutes_field(
                "idle session lifetime (minutes)",
                4320,
                "An SSO session ends when unused this long (Auth0's idle_session_lifetime; "
                "Dashboard: Inactivity timeout); never later than the maximum lifetime.",
            ),
        ),
        migrations.RunPython(hours_to_minutes, minutes_to_hours),
        migrations.RemoveConstraint(model_name="tenant", name="tenants_tenant_session_lifetime_positive"),
        migrations.RemoveField(model_name="tenant", name="session_lifetime"),
        migrations.AddConstraint(
            model_name="tenant",
            constraint=models.CheckConstraint(
                condition=Q(session_lifetime_in_minutes__gte=1, session_lifetime_in_minutes__lte=MAX_MINUTES),
                name="tenants_tenant_session_lifetime_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="tenant",
            constraint=models.CheckConstraint(
                condition=Q(
                    idle_session_lifetime_in_minutes__gte=1, idle_session_lifetime_in_minutes__lte=MAX_MINUTES
                ),
                name="tenants_tenant_idle_session_lifetime_range",
            ),
        ),
    ]
