"""The log writer: off the request path when served, never failing a request, losses counted."""

import datetime as dt
import time
from types import SimpleNamespace

import pytest
from django.db import OperationalError

from logs import recorder
from logs.ids import log_id_after, log_id_floor, log_id_now, micros_datetime, new_log_id
from logs.models import LogEvent
from logs.recorder import log_event_record, log_events_flush, lost_events


def test_log_ids_sort_by_time():
    earlier = new_log_id(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    later = new_log_id(dt.datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=dt.UTC))
    assert earlier.isdigit()
    assert earlier < later


def ask_token(client, app, api):
    """A client_credentials token request of `app` for `api`, through the served endpoint."""
    return client.post(
        "/acme/oauth/token", {"grant_type": "client_credentials", "audience": api.identifier, **app.creds}
    )


@pytest.mark.django_db(transaction=True)
def test_served_events_are_stored_by_the_writer_thread(client, settings, tenant, m2m_app, rs256_api):
    # given: the served configuration, not the tests' in-request writes
    settings.LOG_EVENTS_SYNC = False

    # when
    resp = ask_token(client, m2m_app, rs256_api)

    # then: the answer did not wait for the write, and the event arrives
    assert resp.status_code == 200
    assert log_events_flush(timeout=10, close_connection=True)  # the test database can be dropped
    assert LogEvent.objects.get(log_id=resp["Authport-Log-Id"]).type == "seccft"


def test_an_id_made_now_holds_the_instant_it_gives():
    # when
    log_id, micros = log_id_now()
    when = micros_datetime(micros)

    # then: the id sorts within its own microsecond, as new_log_id's do
    assert log_id_floor(when) <= log_id < log_id_after(when)
    assert log_id[:20] == new_log_id(when)[:20]
    assert micros_datetime(1_767_225_600_000_001) == dt.datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_a_served_event_is_stored_at_the_instant_its_id_names(client, settings, tenant, m2m_app, rs256_api):
    # given: the writer thread (it turns the queued microseconds into each database's datetime)
    settings.LOG_EVENTS_SYNC = False

    # when
    resp = ask_token(client, m2m_app, rs256_api)

    # then
    assert log_events_flush(timeout=10, close_connection=True)
    event = LogEvent.objects.get(log_id=resp["Authport-Log-Id"])
    assert log_id_floor(event.date) <= event.log_id < log_id_after(event.date)
    assert abs(event.date - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


@pytest.mark.django_db(transaction=True)
def test_a_flush_does_not_wait_out_the_linger(client, settings, monkeypatch, tenant, m2m_app, rs256_api):
    # given: a writer that counts itself busy at any rate, and lets an event wait a minute for company
    settings.LOG_EVENTS_SYNC = False
    monkeypatch.setattr(recorder, "BUSY_EVENTS_PER_SECOND", 0)
    monkeypatch.setattr(recorder, "RATE_WINDOW_SECONDS", 0)
    monkeypatch.setattr(recorder, "LINGER_SECONDS", 60)
    ask_token(client, m2m_app, rs256_api)
    assert log_events_flush(timeout=10)  # after this batch the writer is busy

    # when
    resp = ask_token(client, m2m_app, rs256_api)

    # then: the flush cuts the linger short
    assert log_events_flush(timeout=10, close_connection=True)
    assert LogEvent.objects.filter(log_id=resp["Authport-Log-Id"]).exists()


@pytest.mark.django_db(transaction=True)
def test_under_load_a_full_batch_is_written_without_waiting_out_the_linger(
    client, settings, monkeypatch, tenant, m2m_app, rs256_api
):
    # given: a busy writer that would let events wait a minute, and batches of three
    settings.LOG_EVENTS_SYNC = False
    monkeypatch.setattr(recorder, "BUSY_EVENTS_PER_SECOND", 0)
    monkeypatch.setattr(recorder, "RATE_WINDOW_SECONDS", 0)
    monkeypatch.setattr(recorder, "LINGER_SECONDS", 60)
    monkeypatch.setattr(recorder, "BATCH_SIZE", 3)
    ask_token(client, m2m_app, rs256_api)
    assert log_events_flush(timeout=10)  # after this batch the writer is busy

    # when: a batch's worth of events, and no flush
    log_ids = [ask_token(client, m2m_app, rs256_api)["Authport-Log-Id"] for _ in range(3)]

    # then: stored within moments, not after the minute
    deadline = time.monotonic() + 10
    while not all(_stored(log_id) for log_id in log_ids):
        assert time.monotonic() < deadline, "a full batch waited out the linger"
        time.sleep(0.02)
    assert log_events_flush(timeout=10, close_connection=True)


def _stored(log_id: str) -> bool:
    try:
        return LogEvent.objects.filter(log_id=log_id).exists()
    except OperationalError:  # the tests' shared-cache SQLite: the writer holds the table this instant
        return False


@pytest.mark.django_db(transaction=True)
def test_at_a_low_rate_an_event_can_be_read_back_at_once(
    client, settings, monkeypatch, tenant, m2m_app, rs256_api
):
    # given: the served writer, with a linger no reader would wait out
    settings.LOG_EVENTS_SYNC = False
    monkeypatch.setattr(recorder, "LINGER_SECONDS", 60)
    ask_token(client, m2m_app, rs256_api)
    assert log_events_flush(timeout=10)
    time.sleep(recorder.RATE_WINDOW_SECONDS + 0.1)  # an idle spell: a rate far below BUSY_EVENTS_PER_SECOND

    # when: one request, and no flush
    resp = ask_token(client, m2m_app, rs256_api)

    # then: the event is there within moments, not after the linger
    deadline = time.monotonic() + 10
    while not _stored(resp["Authport-Log-Id"]):
        assert time.monotonic() < deadline, "the event waited for company at a low rate"
        time.sleep(0.02)
    assert log_events_flush(timeout=10, close_connection=True)


@pytest.mark.django_db(transaction=True)
def test_the_writer_stores_again_after_closing_its_connection(client, settings, tenant, m2m_app, rs256_api):
    # given: a writer that closed its connection at a flush
    settings.LOG_EVENTS_SYNC = False
    first = ask_token(client, m2m_app, rs256_api)
    assert log_events_flush(timeout=10, close_connection=True)

    # when
    second = ask_token(client, m2m_app, rs256_api)

    # then: it connects again for the next batch
    assert log_events_flush(timeout=10, close_connection=True)
    assert (
        LogEvent.objects.filter(log_id__in=[first["Authport-Log-Id"], second["Authport-Log-Id"]]).count() == 2
    )


@pytest.mark.django_db(transaction=True)
def test_a_store_that_fails_loses_the_event_loudly_and_never_raises(caplog, tenant, monkeypatch):
    # given: an event whose id the tenant's log already holds (a unique constraint the database enforces)
    taken = log_event_record(tenant=tenant, type="seccft", details={"first": True})
    monkeypatch.setattr(recorder, "log_id_now", lambda: (taken, time.time_ns() // 1000))
    before = lost_events.count

    # when
    log_id = log_event_record(tenant=tenant, type="feccft", details={"second": True})

    # then
    assert log_id == taken
    assert lost_events.count == before + 1
    assert "they are lost" in caplog.text
    assert [(e.type, e.details) for e in LogEvent.objects.filter(log_id=taken)] == [
        ("seccft", {"first": True})
    ]


@pytest.mark.django_db(transaction=True)
def test_a_batch_holding_a_deleted_tenants_event_stores_the_others(tenant, monkeypatch, settings):
    # given: a batch as the writer thread takes it, with an event of a tenant deleted while it waited
    settings.LOG_EVENTS_SYNC = False
    queued = []
    monkeypatch.setattr(recorder._writer, "submit", queued.append)
    gone = log_event_record(tenant=SimpleNamespace(pk=987654321), type="seccft", details={"x": 1})
    kept = log_event_record(tenant=tenant, type="seccft", details={"x": 1})
    before = lost_events.count

    # when
    recorder._store(queued, durable=False)

    # then: nothing lost, and the tenant's event with its own details
    assert lost_events.count == before
    assert LogEvent.objects.for_tenant(tenant).get(log_id=kept).details == {"x": 1}
    assert LogEvent.objects.filter(log_id=gone).count() == 1  # unreachable: every read starts from a tenant


@pytest.mark.django_db
def test_details_json_cannot_hold_lose_the_event_loudly_and_never_raise(caplog, tenant):
    # given: details with a value JSON has no form for
    before = lost_events.count

    # when
    log_id = log_event_record(tenant=tenant, type="sapi", details={"when": object()})

    # then
    assert log_id.isdigit()
    assert lost_events.count == before + 1
    assert "it is lost" in caplog.text
    assert not LogEvent.objects.filter(log_id=log_id).exists()


@pytest.mark.django_db
def test_an_event_keeps_every_character_it_was_given(tenant):
    # given: text a COPY or an INSERT could garble: tabs, newlines, backslashes, quotes, non-ASCII
    awkward = 'Café ☕ \t tab \n newline \\N backslash "quoted" \r'

    # when
    log_id = log_event_record(
        tenant=tenant, type="sapi", client_name=awkward, description=awkward, details={"note": awkward}
    )

    # then
    event = LogEvent.objects.get(log_id=log_id)
    assert (event.client_name, event.description, event.details) == (awkward, awkward, {"note": awkward})
    assert event.date == micros_datetime(int(log_id[4:20]))
