"""Recording log events off the token's critical path (SPEC section 9).

A request hands its event to `log_event_record`, which returns the event's id at once. A writer
thread per process stores queued events in batches (one INSERT for many events under load), so a
token request pays for building the event, not for writing it. `LOG_EVENTS_SYNC` (tests) writes in
the request instead. A failure to store never fails the request: the loss is counted and logged.
At the process's exit the queue is drained first (drain_at_exit), or what is left is counted lost.
"""

import atexit
import collections
import datetime as dt
import logging
import os
import threading
import time
from typing import NamedTuple

import orjson
from django.conf import settings
from django.db import DataError, IntegrityError, connection, transaction

from core.metrics import log_events_lost
from logs.details import EMPTY, DetailsKeys, day_date
from logs.ids import log_id_now, micros_datetime
from logs.models import LogDetails, LogEvent

logger = logging.getLogger("authport.logs")

BATCH_SIZE = 1000
# Under load, how long an event may wait for company before it is written; a full batch is written at
# once, so the writer keeps up with any rate. Each batch costs a transaction and, for the writer
# thread, a few handovers of the GIL to and from the request thread: at 0.05 s the writer cost 25 µs
# of CPU an event on PostgreSQL, at 0.25 s 20 µs, at 1 s 13 µs (measured under load). Below
# BUSY_EVENTS_PER_SECOND the writer does not wait: an event can be read back at once.
LINGER_SECONDS = 1.0
BUSY_EVENTS_PER_SECOND = 100
RATE_WINDOW_SECONDS = 0.5  # the rate is the events drained over such a window


class _LossCounter:
    """Events that could not be stored, per process (also the authport_log_events_lost_total metric)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def add(self, n: int) -> None:
        with self._lock:
            self.count += n
        log_events_lost(n)


lost_events = _LossCounter()


# A queued row's columns, in this order; `details` is queued as its JSON text and stored as a
# LogDetails key (the writer's _split_details), and `date` comes last, queued as microseconds since the
# epoch (one clock read in the request), which the writer turns into what each database stores.
_COLUMNS = (
    "tenant_id", "log_id", "type", "description", "client_id", "client_name", "ip", "user_agent",
    "hostname", "user_id", "user_name", "audience", "scope", "strategy", "strategy_type", "connection",
    "details_ref", "date",
)  # fmt: skip
_FIELDS = [LogEvent._meta.get_field(name) for name in _COLUMNS]
_DETAILS_FIELDS = [LogDetails._meta.get_field(name) for name in ("key", "tenant", "day", "details")]

_details_keys = DetailsKeys()


def _split_details(rows: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """(the events, each with its details' key in place of their text; the distinct details rows)."""
    events, details = [], {}
    for row in rows:
        text = row[-2]
        if text == EMPTY:
            key = None
        else:
            key, day = _details_keys.key(row[0], row[-1], text)
            if key not in details:
                details[key] = (key, row[0], day, text)
        events.append((*row[:-2], key, row[-1]))
    # In key order: two processes' batches that both insert the same new keys (every busy client's
    # details are new at each UTC midnight) lock them in one order, so neither waits on the other's
    # lock in turn (measured unsorted on PostgreSQL: deadlocks, and whole batches lost).
    return events, [details[key] for key in sorted(details)]


def _insert(rows: list[tuple]) -> None:
    """Store a batch in as few statements as the database allows: its distinct details (one
    statement, those already stored are left alone), then its events by COPY on PostgreSQL, by
    multi-row INSERTs elsewhere. The ORM's per-row compilation cost more than the rest of an event
    (measured: about 350 µs a row); COPY costs PostgreSQL and the writer about half of a multi-row
    INSERT."""
    events, details = _split_details(rows)
    if details:
        adapt_day = connection.ops.adapt_datefield_value
        _multi_row_insert(
            LogDetails,
            _DETAILS_FIELDS,
            [(key, tenant_id, adapt_day(day_date(day)), text) for key, tenant_id, day, text in details],
            suffix=" ON CONFLICT (key) DO NOTHING",  # PostgreSQL and SQLite alike
        )
    if connection.vendor == "postgresql":
        _copy(events)
    else:
        adapt_date = _date_adapter()
        _multi_row_insert(LogEvent, _FIELDS, [(*row[:-1], adapt_date(row[-1])) for row in events])


# The events' columns as COPY's binary format gives them to PostgreSQL: the tenant's id, text (the
# varchar columns and the details' key take text's binary form) and the date. Binary costs the writer
# half what the text format does (psycopg formats no text: 6 against 12 µs a row), and PostgreSQL
# parses no number or timestamp.
_COPY_TYPES = [
    "int8" if f.name == "tenant" else "timestamptz" if f.get_internal_type() == "DateTimeField" else "text"
    for f in _FIELDS
]


def _copy(rows: list[tuple]) -> None:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _FIELDS)
    table = connection.ops.quote_name(LogEvent._meta.db_table)
    statement = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
    # psycopg's own cursor: its errors are raised as Django's, as the ORM's are (_store tells them apart)
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(statement) as copy,
    ):
        copy.set_types(_COPY_TYPES)
        for row in rows:
            copy.write_row((*row[:-1], micros_datetime(row[-1])))


def _multi_row_insert(model, fields: list, rows: list[tuple], suffix: str = "") -> None:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    row_placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, connection.ops.bulk_batch_size(fields, rows))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            placeholders = ", ".join([row_placeholders] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {placeholders}{suffix}",  # noqa: S608 - our own names
                [value for row in chunk for value in row],
            )


def _utc_text(micros: int) -> str:
    return micros_datetime(micros).replace(tzinfo=None).isoformat(" ")


def _date_adapter():
    """How this connection stores a `date` given in microseconds (SQLite's driver takes no aware
    datetime): the text of the naive UTC time, as Django's adapter writes it for a UTC connection,
    for a tenth of its cost."""
    if connection.timezone == dt.UTC:
        return _utc_text
    return lambda micros: connection.ops.adapt_datetimefield_value(micros_datetime(micros))


# The writer thread's database connection whose session is set up (a new one after a reconnect).
_writer_session_of = None


def _writer_session() -> None:
    """The writer thread's own connection need not wait for the disk at each commit: a crash of the
    machine (not of Authport) may lose the last moment's events, never a token, a key or a setting,
    which other connections write with the database's full durability. Set once per connection,
    which spares a statement (and a round trip) per batch."""
    global _writer_session_of
    connection.ensure_connection()
    if connection.connection is _writer_session_of:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous = NORMAL")  # WAL mode: no fsync at each commit
        elif connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO OFF")  # this session only
    _writer_session_of = connection.connection


def _store(rows: list[tuple], *, durable: bool = True) -> None:
    """`durable=False`: the writer thread's batch, on its own connection (_writer_session)."""
    try:
        if not durable:
            _writer_session()
        with transaction.atomic():  # a savepoint inside a request's transaction: a failure stays here
            _insert(rows)
    except (IntegrityError, DataError):  # a row the database refuses: the batch's others need not go
        if len(rows) == 1:
            _lost(rows)
        else:
            for row in rows:
                _store([row], durable=durable)
    except Exception:  # any other database error: count it, say it, never raise into a request
        _lost(rows)
        if not connection.in_atomic_block:
            connection.close()  # a broken connection is reopened on the next batch


def _lost(rows: list[tuple]) -> None:
    lost_events.add(len(rows))
    logger.exception("Could not store %d log event(s); they are lost.", len(rows))


class _Rate:
    """Whether events arrive at BUSY_EVENTS_PER_SECOND or more, counted over windows of at least
    RATE_WINDOW_SECONDS (an idle spell makes one long, slow window)."""

    def __init__(self) -> None:
        self.busy = False
        self._start, self._rows = time.monotonic(), 0

    def count(self, rows: int) -> None:
        self._rows += rows
        now = time.monotonic()
        elapsed = now - self._start
        if elapsed >= RATE_WINDOW_SECONDS:
            self.busy = self._rows >= BUSY_EVENTS_PER_SECOND * elapsed
            self._start, self._rows = now, 0


class _CloseMarker(threading.Event):
    """A flush marker after which the writer thread closes its database connection."""


class _Writer:
    """One daemon thread per process (started lazily, again in a forked child) draining the queue.

    The queue is a deque, whose append is atomic and takes no lock (measured: 0.1 µs, against 2-3 µs
    for a queue.Queue's put and as much again for its get and task_done); an Event wakes the thread
    when it waits, and another cuts its linger short when a batch is full. `flush` queues a marker,
    cuts the linger short and waits for the thread to reach the marker: every event queued before it
    is stored by then.
    """

    def __init__(self) -> None:
        self._forget()
        # A forked child has none of its parent's threads: it starts its own writer on its first
        # event (a hook rather than a getpid() system call per event).
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._queue: collections.deque = collections.deque()
        self._wake = threading.Event()
        self._hurry = threading.Event()
        self._lock = threading.Lock()
        self._running = False
        self._flushes = 0  # flushes whose marker the writer has not reached: no lingering meanwhile

    def submit(self, row: tuple) -> None:
        if not self._running:
            self._start()
        queued = self._queue
        queued.append(row)
        if not self._wake.is_set():
            self._wake.set()
        # Whether or not it had to wake the writer: a writer just woken lingers next when busy.
        if len(queued) >= BATCH_SIZE and not self._hurry.is_set():
            self._hurry.set()  # a full batch: no reason to linger

    def flush(self, timeout: float = 5.0, *, close_connection: bool = False) -> bool:
        """Wait until every queued event is stored (tests, commands). True when drained in time.
        `close_connection`: the thread then closes its database connection (a test database can only
        be dropped once no connection holds it)."""
        if not self._running:
            return True  # nothing was queued in this process
        reached = _CloseMarker() if close_connection else threading.Event()
        with self._lock:
            self._flushes += 1
        self._queue.append(reached)
        self._hurry.set()
        self._wake.set()
        return reached.wait(timeout)

    def drain_at_exit(self, timeout: float = 5.0) -> None:
        """At the process's exit (a worker stopped by a deploy, a command ending): what is queued is
        stored, or counted lost, never dropped silently with the daemon thread."""
        if not self._running or self.flush(timeout):
            return
        left = sum(1 for item in list(self._queue) if not isinstance(item, threading.Event))
        if left:
            lost_events.add(left)
            logger.error("%d log event(s) not stored before the process exited; they are lost.", left)

    def _start(self) -> None:
        with self._lock:
            if not self._running:
                threading.Thread(target=self._run, name="authport-log-writer", daemon=True).start()
                self._running = True

    def _run(self) -> None:
        queued, wake, hurry = self._queue, self._wake, self._hurry
        rate = _Rate()
        while True:
            if not queued:
                wake.wait()
                wake.clear()
                rate.count(0)  # woken after an idle spell: not busy any more
                continue
            # Under load, let company arrive while asleep rather than being woken by every event: one
            # statement and one commit carry many events, and the request threads keep the GIL.
            if rate.busy:
                if self._flushes:  # a flush waits: every batch before its marker goes without lingering
                    hurry.clear()
                elif hurry.wait(LINGER_SECONDS):  # a flush came, or a batch is full
                    hurry.clear()
            rows, reached = [], []
            while queued and len(rows) < BATCH_SIZE:
                item = queued.popleft()
                (reached if isinstance(item, threading.Event) else rows).append(item)
            rate.count(len(rows))
            try:
                if rows:
                    _store(rows, durable=False)
            finally:
                if any(isinstance(marker, _CloseMarker) for marker in reached):
                    connection.close()  # this thread's own connection
                if reached:
                    with self._lock:
                        self._flushes -= len(reached)
                        if not self._flushes and len(queued) < BATCH_SIZE:
                            hurry.clear()  # the flushes' hurry is served: the next batch may linger
                for marker in reached:
                    marker.set()


_writer = _Writer()
# Registered once: a forked child inherits the hook, and it drains the child's own writer (_forget).
atexit.register(_writer.drain_at_exit)


def log_event_unrecorded() -> str:
    """The id an event would have had, for an answer whose event is not recorded (LOG_EVENTS_ENABLED off)."""
    return log_id_now()[0]


def log_events_flush(timeout: float = 5.0, *, close_connection: bool = False) -> bool:
    if settings.LOG_EVENTS_SYNC:
        return True
    return _writer.flush(timeout, close_connection=close_connection)


def _hostname(request) -> str:
    if request is None:
        return ""
    return getattr(request, "validated_host", None) or request.get_host()  # tenants.hosts checked it


def encode_details(details: dict | None) -> str:
    """The details' text, as LogDetails stores it. TypeError for a value JSON cannot hold."""
    return orjson.dumps(details or {}).decode()


class UnencodableDetails(ValueError):
    """An event's details hold a value JSON has no form for."""


class EventContent(NamedTuple):
    """What an event says apart from its id, time, tenant and connection, truncated to its columns
    and with its details written as JSON: made once, it can be queued for many events (a client
    asking for the same token again, tokens.events). Its two parts are the columns either side of
    the connection's (ip, user agent, host), in _COLUMNS' order: type, description, client_id and
    client_name; then user_id, user_name, audience, scope, strategy, strategy_type, connection and
    the details' text."""

    before_connection: tuple
    after_connection: tuple

    @property
    def details_text(self) -> str:
        return self.after_connection[-1]


def event_content(
    *,
    type: str,  # noqa: A002 - Auth0's field name
    description: str = "",
    client_id: str = "",
    client_name: str = "",
    user_id: str = "",
    user_name: str = "",
    audience: str = "",
    scope: str = "",
    strategy: str = "",
    strategy_type: str = "",
    connection_name: str = "",
    details: dict | None = None,
) -> EventContent:
    """Callers pass only what may be shown: never a secret, password, code or token (SPEC section
    9). UnencodableDetails for details JSON cannot hold."""
    try:
        details_text = encode_details(details)
    except TypeError as exc:
        raise UnencodableDetails(str(exc)) from exc
    return EventContent(
        (type, (description or "")[:2000], (client_id or "")[:64], (client_name or "")[:200]),
        (
            (user_id or "")[:64],
            (user_name or "")[:254],
            (audience or "")[:2000],
            (scope or "")[:4000],
            strategy,
            strategy_type,
            connection_name,
            details_text,
        ),
    )


def log_event_queue(content: EventContent, *, tenant, request=None, ip: str = "") -> str:
    """Queue one event of this content and return its `log_id`."""
    log_id, micros = log_id_now()
    if not settings.LOG_EVENTS_ENABLED:  # the benchmark's baseline: the same request, nothing recorded
        return log_id
    meta = request.META if request is not None else {}
    # A tuple of strings and numbers (in _COLUMNS' order), which the garbage collector
    # stops tracking: an event's dicts and lists, kept alive until the writer's batch, would outlive
    # the young generations and make full collections of the whole heap more frequent.
    row = (
        tenant.pk,
        log_id,
        *content.before_connection,
        (ip or meta.get("REMOTE_ADDR", ""))[:64],
        meta.get("HTTP_USER_AGENT", "")[:1000],
        _hostname(request)[:255],
        *content.after_connection,
        micros,
    )
    if settings.LOG_EVENTS_SYNC:
        _store([row])
    else:
        _writer.submit(row)
    return log_id


def log_event_record(*, tenant, request=None, ip: str = "", **content) -> str:
    """Queue one event and return its `log_id`; `content` is event_content's arguments. Details JSON
    cannot hold lose the event (counted and logged), never the request."""
    if not settings.LOG_EVENTS_ENABLED:
        return log_event_unrecorded()
    try:
        made = event_content(**content)
    except UnencodableDetails:
        lost_events.add(1)
        logger.exception("Could not encode the details of a %s log event; it is lost.", content.get("type"))
        return log_event_unrecorded()
    return log_event_queue(made, tenant=tenant, request=request, ip=ip)
