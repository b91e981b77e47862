"""Brute-force protection: consecutive failed passwords per (account, address) (SPEC section 2, step 8).

One mechanism for the login page, the password grants and the Django admin login. An `account` is
a stable key of the resolved account (its primary key), so no spelling of an identifier counts
apart; callers build it. Counters and the list of blocked addresses live in the configured cache,
so every worker and host sees them. Keys are hashed: the cache holds no email address.

An attempt is counted *before* the password is checked, with an atomic increment, so parallel
requests cannot squeeze in more than the allowed number of guesses.

When the cache is down, protection fails closed, never open: no attempt can be counted, so no
password is checked; `attempt_begin` raises TemporarilyUnavailable (503 `temporarily_unavailable`
at the token endpoint, a 503 page at the login form, a form error at the admin login), counted in
`authport_cache_errors_total` and logged. Everything that checks no password (client credentials,
refresh tokens, codes, JWKS) goes on. A failure after the check (recording the block, resetting
the run after a right password) is logged and counted but does not undo the answer.
"""

import logging
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone
from django.utils.connection import ConnectionProxy

from core.crypto import sha256_hex
from core.exceptions import TemporarilyUnavailable, TooManyAttempts
from core.metrics import cache_error

# The `attempts` cache (settings): the configured cache when it is shared, else the database.
cache = ConnectionProxy(caches, "attempts")

logger = logging.getLogger(__name__)

BLOCKED_MESSAGE = "Your account has been blocked after multiple consecutive login attempts."
UNAVAILABLE_MESSAGE = (
    "Sign-in with a password is temporarily unavailable: brute-force protection cannot reach its store. "
    "Try again shortly."
)


def _cache_failed(exc: Exception, what: str) -> None:
    cache_error(exc)
    logger.error("brute-force protection: cache unavailable while %s (%s: %s)", what, type(exc).__name__, exc)


@dataclass(frozen=True)
class Attempt:
    account: str
    ip: str
    number: int  # this attempt's place in the run of consecutive failures, from 1


def identifier_digest(identifier: str) -> str:
    """An identifier that resolved to no account, NFKC case-folded and hashed: every spelling of it
    counts together, and the cache holds no email address."""
    return sha256_hex(unicodedata.normalize("NFKC", identifier.strip()).casefold())


def _count_key(account: str, ip: str) -> str:
    return "bf:n:" + sha256_hex(f"{account}|{ip}")


def _index_key(account: str) -> str:
    return "bf:ips:" + sha256_hex(account)


def _next_number(key: str) -> int:
    timeout = settings.BRUTE_FORCE_BLOCK_SECONDS
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=timeout)
        return 1


def attempt_begin(*, account: str, ip: str) -> Attempt:
    """Count a password attempt; raises TooManyAttempts, whatever the password, once the account has
    failed BRUTE_FORCE_MAX_ATTEMPTS times in a row from this address, and TemporarilyUnavailable
    when the cache cannot count it (fail closed, see the module)."""
    try:
        number = _next_number(_count_key(account, ip))
    except Exception as exc:  # any cache backend's connection error: no count, no password check
        _cache_failed(exc, "counting an attempt")
        raise TemporarilyUnavailable(UNAVAILABLE_MESSAGE) from exc
    if number > settings.BRUTE_FORCE_MAX_ATTEMPTS:
        raise TooManyAttempts(BLOCKED_MESSAGE)
    return Attempt(account=account, ip=ip, number=number)


def attempt_failed(attempt: Attempt) -> bool:
    """The password was wrong (it stays counted). Returns True when this failure set the block."""
    if attempt.number != settings.BRUTE_FORCE_MAX_ATTEMPTS:
        return False
    # The block itself is the counter; this index only lets admins list and lift it.
    try:
        index = cache.get(_index_key(attempt.account)) or {}
        index[attempt.ip] = timezone.now().isoformat()
        cache.set(_index_key(attempt.account), index, timeout=settings.BRUTE_FORCE_BLOCK_SECONDS)
    except Exception as exc:  # the counter already blocks; only the admins' list misses this address
        _cache_failed(exc, "recording a block")
    return True


def attempt_succeeded(attempt: Attempt) -> None:
    """The password was right: the run of consecutive failures from this address ends."""
    try:
        cache.delete(_count_key(attempt.account, attempt.ip))
    except Exception as exc:  # the run then goes on counting: stricter, never looser
        _cache_failed(exc, "resetting a run of failures")


def blocks_list(*, account: str) -> list[dict[str, str]]:
    """The addresses the account is blocked from now: `[{"ip", "since"}]`."""
    index = cache.get(_index_key(account)) or {}
    if not index:
        return []
    counts = cache.get_many([_count_key(account, ip) for ip in index])
    limit = settings.BRUTE_FORCE_MAX_ATTEMPTS
    return [
        {"ip": ip, "since": since}
        for ip, since in sorted(index.items())
        if counts.get(_count_key(account, ip), 0) >= limit
    ]


def blocks_clear(*, account: str) -> int:
    """Lift every block of the account (an admin's unblock); returns how many addresses were blocked."""
    index = cache.get(_index_key(account)) or {}
    lifted = len(blocks_list(account=account))
    cache.delete_many([_count_key(account, ip) for ip in index] + [_index_key(account)])
    return lifted
