"""Where an event's details are stored (logs.models.LogDetails): once per tenant, UTC day and content."""

import datetime as dt
import hashlib

MICROS_PER_DAY = 86_400_000_000
EMPTY = "{}"  # encode_details' text for no details: stored as no row at all
_EPOCH_DAY = dt.date(1970, 1, 1)
_KEPT = 4096  # keys remembered per process before the memory starts afresh
# Longer texts are digested each time, not remembered: the memory holds each text it remembers, and
# a caller's parameters (an unauthenticated one's too) can make a text as long as a request body.
REMEMBERED_CHARS = 8192


class DetailsKeys:
    """The LogDetails key of (tenant, day, details text), remembered: the events of a busy client
    repeat the same text object (tokens.events keeps it), whose str hash Python keeps, so a repeated
    event costs a dict lookup here instead of a digest of its kilobyte."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, int, str], str] = {}

    def key(self, tenant_id: int, micros: int, text: str) -> tuple[str, int]:
        """(the key, the day's number since the epoch)."""
        day = micros // MICROS_PER_DAY
        known = (tenant_id, day, text)
        key = self._known.get(known)
        if key is None:
            digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
            key = f"{tenant_id}:{day}:{digest}"
            if len(text) <= REMEMBERED_CHARS:
                if len(self._known) >= _KEPT:
                    self._known.clear()
                self._known[known] = key
        return key, day


def day_date(day: int) -> dt.date:
    return _EPOCH_DAY + dt.timedelta(days=day)
