"""Log ids (SPEC section 9): "9002", the event's time in microseconds since the epoch (16 digits),
then 12 random digits. Ids sort as their events' times do, so the log's time order, its date ranges
and checkpoint paging all walk one index, (tenant, log_id)."""

import datetime as dt
import random
import time

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_PREFIX = "9002"
_PAST_EVERY_ID = "9003"  # sorts after every id: an instant past the year 2286, when 16 digits run out
_MICROSECOND = dt.timedelta(microseconds=1)


def _micros(when: dt.datetime) -> int:
    since = when - _EPOCH
    return (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds  # exact, no division


def new_log_id(when: dt.datetime) -> str:
    # Not a secret (reading an event takes read:logs): the process's PRNG, reseeded after each fork,
    # spares a getrandom() system call per event.
    return f"{_PREFIX}{_micros(when):016d}{int(random.random() * 1e12):012d}"  # noqa: S311 - an id


def log_id_now() -> tuple[str, int]:
    """(a new id, its time in microseconds since the epoch) for an event happening now: one clock
    read and no datetime arithmetic, what an event costs the request (logs.recorder)."""
    micros = time.time_ns() // 1000
    return f"{_PREFIX}{micros:016d}{int(random.random() * 1e12):012d}", micros  # noqa: S311 - an id


def micros_datetime(micros: int) -> dt.datetime:
    """The aware UTC datetime of a time in microseconds since the epoch (exact: no float)."""
    return _EPOCH + dt.timedelta(microseconds=micros)


def log_id_floor(when: dt.datetime) -> str:
    """The least id an event at `when` or later can have: `log_id >= floor` is `date >= when`, and
    `log_id < floor` is `date < when`."""
    micros = _micros(when)
    if micros < 0:
        return _PREFIX
    return f"{_PREFIX}{micros:016d}" if micros < 10**16 else _PAST_EVERY_ID


def log_id_after(when: dt.datetime) -> str:
    """The least id an event later than `when` can have: `log_id >= after` is `date > when`."""
    return log_id_floor(when + _MICROSECOND)
