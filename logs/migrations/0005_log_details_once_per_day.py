"""Details stored once per tenant, day and content (logs.models.LogDetails); no database constraint
from an event to its tenant (a batch must not fail for a tenant deleted while it waited)."""

import datetime as dt
import hashlib
import json
from collections import defaultdict

import django.db.models.deletion
from django.db import migrations, models

MICROS_PER_DAY = 86_400_000_000
EPOCH_DAY_ORDINAL = 719163  # date(1970, 1, 1).toordinal()


CHUNK = 2000  # events read at a time, by primary key (no cursor stays open while they are updated)


def _chunks(events):
    """The events in primary-key order, CHUNK at a time, each a list of (pk, ...)."""
    last = 0
    while True:
        chunk = list(events.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0]


def move_details(apps, schema_editor):
    """Each event's details into LogDetails, keyed as logs.details keys them (frozen here). A few
    statements a chunk: its distinct details in one INSERT, then one UPDATE per distinct details
    (a busy client's events share them), never one statement per event."""
    LogEvent = apps.get_model("logs", "LogEvent")
    LogDetails = apps.get_model("logs", "LogDetails")
    events = LogEvent.objects.exclude(details={}).values_list("pk", "tenant_id", "log_id", "details")
    for chunk in _chunks(events):
        shared, events_of = {}, defaultdict(list)
        for pk, tenant_id, log_id, details in chunk:
            text = json.dumps(details, separators=(",", ":"), ensure_ascii=False)
            day = int(log_id[4:20]) // MICROS_PER_DAY  # the id's microseconds (logs.ids)
            key = f"{tenant_id}:{day}:{hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}"
            events_of[key].append(pk)
            if key not in shared:
                shared[key] = LogDetails(
                    key=key,
                    tenant_id=tenant_id,
                    day=dt.date.fromordinal(EPOCH_DAY_ORDINAL + day),
                    details=details,
                )
        LogDetails.objects.bulk_create(shared.values(), ignore_conflicts=True)  # kept from a chunk before
        for key, pks in events_of.items():
            LogEvent.objects.filter(pk__in=pks).update(details_ref_id=key)


def restore_details(apps, schema_editor):
    """Each event's details back into its own column: one UPDATE per details row and chunk. Events
    of a tenant deleted while they waited (no constraint held them back here) go first, as the
    constraint restored after this refuses them."""
    LogEvent = apps.get_model("logs", "LogEvent")
    LogDetails = apps.get_model("logs", "LogDetails")
    Tenant = apps.get_model("tenants", "Tenant")
    LogEvent.objects.exclude(tenant_id__in=Tenant.objects.values("pk")).delete()
    for chunk in _chunks(LogEvent.objects.exclude(details_ref=None).values_list("pk", "details_ref_id")):
        events_of = defaultdict(list)
        for pk, key in chunk:
            events_of[key].append(pk)
        for key, details in LogDetails.objects.filter(key__in=events_of).values_list("key", "details"):
            LogEvent.objects.filter(pk__in=events_of[key]).update(details=details)


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
