"""logs 0005: each event's details move into LogDetails, one row per tenant, UTC day and content, in a
few statements a chunk rather than one per event; and back again when the migration is reversed."""

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from logs.ids import new_log_id
from logs.recorder import log_event_record
from tests import factories
from tests.migrating import migrate_to, migrate_to_latest

BEFORE = [("logs", "0004_drop_tenant_date_index")]
AFTER = [("logs", "0005_log_details_once_per_day")]
migration = importlib.import_module("logs.migrations.0005_log_details_once_per_day")

pytestmark = pytest.mark.django_db(transaction=True)

DAY = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
GRANTED = {"explanation": {"outcome": {"format": "jwt"}, "summary": "A JWT for https://api.test/"}}
REFUSED = {"explanation": {"outcome": {"error": "access_denied"}, "summary": "No client grant"}}


@pytest.fixture(autouse=True)
def _back_to_the_latest():
    yield
    migrate_to_latest()


def _events(model, tenant, details, count, when=DAY):
    return [
        model(
            tenant_id=tenant.pk,
            log_id=new_log_id(when + dt.timedelta(seconds=n)),
            date=when + dt.timedelta(seconds=n),
            type="seccft",
            details=details,
        )
        for n in range(count)
    ]


def test_details_move_once_per_tenant_day_and_content_in_a_few_statements(monkeypatch):
    # given: events stored with their own details, as before 0005, over chunks of 100
    monkeypatch.setattr(migration, "CHUNK", 100)
    acme, other = factories.make_tenant("acme"), factories.make_tenant("other")
    old_event = migrate_to(BEFORE).get_model("logs", "LogEvent")
    old_event.objects.bulk_create(
        _events(old_event, acme, GRANTED, 250)
        + _events(old_event, acme, REFUSED, 40)
        + _events(old_event, acme, {}, 10)
        + _events(old_event, acme, GRANTED, 3, when=DAY + dt.timedelta(days=1))
        + _events(old_event, other, GRANTED, 5)
    )
    before = {(e.tenant_id, e.log_id): e.details for e in old_event.objects.all()}

    # when
    with CaptureQueriesContext(connection) as queries:
        new = migrate_to(AFTER)

    # then: every event reads the details it had
    event, details = new.get_model("logs", "LogEvent"), new.get_model("logs", "LogDetails")
    after = {
        (e.tenant_id, e.log_id): (e.details_ref.details if e.details_ref_id else {})
        for e in event.objects.select_related("details_ref")
    }
    assert after == before
    # one row per tenant, day and content; none for no details
    rows = list(details.objects.values_list("tenant_id", "day", "details"))
    assert len(rows) == 4
    for row in [
        (acme.pk, DAY.date(), GRANTED),
        (acme.pk, DAY.date(), REFUSED),
        (acme.pk, DAY.date() + dt.timedelta(days=1), GRANTED),
        (other.pk, DAY.date(), GRANTED),
    ]:
        assert row in rows
    assert event.objects.filter(details_ref=None).count() == 10
    # an UPDATE per chunk and content, not one per event (308 events with details)
    updates = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "logs_logevent"')]
    assert 0 < len(updates) <= 8


def test_reversed_each_event_gets_its_details_back(monkeypatch):
    # given
    monkeypatch.setattr(migration, "CHUNK", 7)
    acme = factories.make_tenant("acme")
    old_event = migrate_to(BEFORE).get_model("logs", "LogEvent")
    old_event.objects.bulk_create(
        _events(old_event, acme, GRANTED, 20)
        + _events(old_event, acme, REFUSED, 3)
        + _events(old_event, acme, {}, 2)
    )
    before = dict(old_event.objects.values_list("log_id", "details"))
    migrate_to(AFTER)

    # when
    reverted = migrate_to(BEFORE).get_model("logs", "LogEvent")

    # then
    assert dict(reverted.objects.values_list("log_id", "details")) == before


def test_reversed_after_an_event_of_a_deleted_tenant_was_stored(settings):
    # given: an event stored for a tenant deleted while it waited (0005 holds no constraint)
    settings.LOG_EVENTS_SYNC = True
    acme, gone = factories.make_tenant("acme"), factories.make_tenant("gone")
    kept = log_event_record(tenant=acme, type="sapi", details=GRANTED)
    stale = SimpleNamespace(pk=gone.pk)  # the tenant as the request held it
    gone.delete()
    log_event_record(tenant=stale, type="sapi", details=GRANTED)

    # when: the constraint comes back
    reverted = migrate_to(BEFORE).get_model("logs", "LogEvent")

    # then: the orphan is gone, the other event has its details
    assert dict(reverted.objects.values_list("log_id", "details")) == {kept: GRANTED}
