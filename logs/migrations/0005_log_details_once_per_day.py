"""Details stored once per tenant, day and content (logs.models.LogDetails); no database constraint
from an event to its tenant (a batch must not fail for a tenant deleted while it waited)."""

import datetime as dt
import hashlib
import json

import django.db.models.deletion
from django.db import migrations, models

MICROS_PER_DAY = 86_400_000_000
EPOCH_DAY_ORDINAL = 719163  # date(1970, 1, 1).toordinal()


def move_details(apps, schema_editor):
    """Each event's details into LogDetails, keyed as logs.details keys them (frozen here)."""
    LogEvent = apps.get_model("logs", "LogEvent")
    LogDetails = apps.get_model("logs", "LogDetails")
    stored = set()
    for event in LogEvent.objects.exclude(details={}).iterator(chunk_size=2000):
        text = json.dumps(event.details, separators=(",", ":"), ensure_ascii=False)
        day = int(event.log_id[4:20]) // MICROS_PER_DAY  # the id's microseconds (logs.ids)
        key = f"{event.tenant_id}:{day}:{hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}"
        if key not in stored:
            LogDetails.objects.get_or_create(
                key=key,
                defaults={
                    "tenant_id": event.tenant_id,
                    "day": dt.date.fromordinal(EPOCH_DAY_ORDINAL + day),
                    "details": event.details,
                },
            )
            stored.add(key)
        LogEvent.objects.filter(pk=event.pk).update(details_ref_id=key)


def restore_details(apps, schema_editor):
    LogEvent = apps.get_model("logs", "LogEvent")
    for event in LogEvent.objects.exclude(details_ref=None).select_related("details_ref").iterator(chunk_size=2000):
        LogEvent.objects.filter(pk=event.pk).update(details=event.details_ref.details)


class Migration(migrations.Migration):
    dependencies = [
        ("logs", "0004_drop_tenant_date_index"),
        ("tenants", "0005_session_lifetimes_in_minutes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="logevent",
            name="tenant",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="tenants.tenant",
            ),
        ),
        migrations.CreateModel(
            name="LogDetails",
            fields=[
                ("key", models.CharField(max_length=96, primary_key=True, serialize=False)),
                ("day", models.DateField(db_index=True)),
                ("details", models.JSONField()),
                (
                    "tenant",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenants.tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "log event details",
                "verbose_name_plural": "log event details",
            },
        ),
        migrations.AddField(
            model_name="logevent",
            name="details_ref",
            field=models.ForeignKey(
                db_column="details_key",
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="logs.logdetails",
            ),
        ),
        migrations.RunPython(move_details, restore_details),
        migrations.RemoveField(model_name="logevent", name="details"),
    ]
