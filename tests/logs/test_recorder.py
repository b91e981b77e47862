"""The log writer: off the request path when served, never failing a request, losses counted."""

import datetime as dt
import threading
import time
from types import SimpleNamespace

import pytest
from django.db import OperationalError, connection

from logs import recorder
from logs.ids import log_id_after, log_id_floor, log_id_now, micros_datetime, new_log_id
from logs.models import LogDetails, LogEvent
from logs.recorder import log_event_record, log_events_flush, lost_events
from tests.live import free_port, live_env, manage


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


@pytest.mark.django_db(transaction=True)
def test_a_flush_after_a_burst_goes_through_every_batch_without_lingering(settings, monkeypatch, tenant):
    # given: a busy writer that lets events wait a minute for company, batches of ten, and a burst
    # of fifty events queued before the flush
    settings.LOG_EVENTS_SYNC = False
    monkeypatch.setattr(recorder, "BUSY_EVENTS_PER_SECOND", 0)
    monkeypatch.setattr(recorder, "RATE_WINDOW_SECONDS", 0)
    monkeypatch.setattr(recorder, "LINGER_SECONDS", 60)
    monkeypatch.setattr(recorder, "BATCH_SIZE", 10)
    log_event_record(tenant=tenant, type="sapi")
    assert log_events_flush(timeout=10)  # after this batch the writer is busy
    log_ids = [log_event_record(tenant=tenant, type="sapi") for _ in range(50)]

    # when: one flush, which only the first batch used to hurry (the next four lingered)
    drained = log_events_flush(timeout=10, close_connection=True)

    # then
    assert drained
    assert LogEvent.objects.filter(log_id__in=log_ids).count() == 50


def _details_batch(tenant_id: int, contents: range) -> list[tuple]:
    """A writer's batch as requests queue it: an event for each content, new details each."""
    rows = []
    for n in contents:
        log_id, micros = log_id_now()
        content = recorder.event_content(type="seccft", details={"n": n, "pad": "x" * 200})
        rows.append(
            (tenant_id, log_id, *content.before_connection, "", "", "", *content.after_connection, micros)
        )
    return rows


@pytest.mark.django_db(transaction=True)
def test_two_writers_storing_the_same_new_details_in_opposite_orders_lose_nothing(tenant):
    # given: two processes' writers (two threads, two connections) whose batches hold the same new
    # details, as at each UTC midnight, one in the reverse order of the other
    if connection.vendor != "postgresql":
        pytest.skip("row locks of INSERT ... ON CONFLICT: PostgreSQL (SQLite writes one at a time)")
    before = lost_events.count
    rounds, start = 10, threading.Barrier(2)

    def writer(reverse: bool) -> None:
        try:
            for r in range(rounds):
                contents = range(r * 200, (r + 1) * 200)
                batch = _details_batch(tenant.pk, contents[::-1] if reverse else contents)
                start.wait()
                recorder._store(batch, durable=False)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=writer, args=(reverse,)) for reverse in (False, True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then: no deadlock aborted a batch; every event reads its details
    assert lost_events.count == before
    assert LogEvent.objects.for_tenant(tenant).count() == 2 * rounds * 200
    assert LogDetails.objects.filter(tenant=tenant).count() == rounds * 200


@pytest.mark.django_db
def test_a_caller_sending_long_parameters_pins_no_memory(client, tenant):
    # given: unauthenticated requests, each with another 60 kB audience (in its event's details)
    recorder._details_keys = recorder.DetailsKeys()
    for n in range(20):
        resp = client.post(
            "/acme/oauth/token",
            {
                "grant_type": "client_credentials",
                "client_id": "nobody",
                "client_secret": "x",
                "audience": f"{n}" + "a" * 60_000,
            },
        )
        assert resp.status_code == 401

    # then: each event is stored with its details, and none of those texts is kept afterwards
    assert LogEvent.objects.for_tenant(tenant).filter(type="feccft").count() == 20
    assert all(len(e.details["request"]["audience"]) > 60_000 for e in LogEvent.objects.for_tenant(tenant))
    assert sum(len(text) for _, _, text in recorder._details_keys._known) < 1_000  # texts the memory holds


QUEUE_AND_EXIT = """
from django.conf import settings
from logs.recorder import log_event_record
from provisioning.services import tenant_provision
settings.LOG_EVENTS_SYNC = False  # served: the writer thread stores them
settings.LOG_EVENTS_ENABLED = True
tenant = tenant_provision(slug="exiting").tenant
print(",".join(log_event_record(tenant=tenant, type="sapi") for _ in range(30)))
"""


def test_events_queued_when_a_process_exits_are_stored_before_it_ends(tmp_path):
    # given: a process (a worker stopped by a deploy, say) that queues events and exits at once
    env = live_env(tmp_path, free_port())
    manage(env, "migrate", "-v0")

    # when
    log_ids = manage(env, "shell", "-c", QUEUE_AND_EXIT).strip().splitlines()[-1].split(",")

    # then: its writer thread stored them on the way out
    stored = manage(
        env,
        "shell",
        "-c",
        f"from logs.models import LogEvent; print(LogEvent.objects.filter(log_id__in={log_ids!r}).count())",
    )
    assert len(log_ids) == 30
    assert stored.strip().splitlines()[-1] == "30"


@pytest.mark.django_db(transaction=True)
def test_a_row_the_database_refuses_loses_only_itself_not_its_batch(caplog, tenant, monkeypatch, settings):
    # given: a writer's batch of three events, the second with an id the tenant's log already holds
    taken = log_event_record(tenant=tenant, type="seccft", details={"first": True})
    settings.LOG_EVENTS_SYNC = False
    queued = []
    monkeypatch.setattr(recorder._writer, "submit", queued.append)
    before_it = log_event_record(tenant=tenant, type="sapi")
    monkeypatch.setattr(recorder, "log_id_now", lambda: (taken, time.time_ns() // 1000))
    log_event_record(tenant=tenant, type="feccft", details={"second": True})
    monkeypatch.setattr(recorder, "log_id_now", log_id_now)
    after_it = log_event_record(tenant=tenant, type="sapi")
    before = lost_events.count

    # when
    recorder._store(queued, durable=False)

    # then: one event lost, counted and said; the batch's others stored
    assert lost_events.count == before + 1
    assert "they are lost" in caplog.text
    assert set(LogEvent.objects.for_tenant(tenant).values_list("log_id", flat=True)) == {
        taken,
        before_it,
        after_it,
    }
    assert LogEvent.objects.get(log_id=taken).details == {"first": True}


def test_a_full_queue_hurries_the_writer_even_when_each_event_had_to_wake_it(monkeypatch):
    # given: a writer whose thread clears its wake-up before each event arrives (it woke for the
    # one before and went to linger), as a slow thread does under load
    monkeypatch.setattr(recorder, "BATCH_SIZE", 3)
    writer = recorder._Writer()
    writer._running = True  # its thread's side is played here
    for n in range(3):
        writer._wake.clear()

        # when
        writer.submit(("row", n))

    # then: the third event fills the batch, so the lingering writer is told to go
    assert writer._hurry.is_set()
