"""Brute-force protection for the login form: failures counted per (tenant, email) and per IP.

Counters live in the Django cache (Redis in production, via CACHE_URL), so every process shares
them. An email is counted whether or not such a user exists, so a lock reveals nothing about that.
"""

from django.core.cache import cache

from core.crypto import sha256_hex

WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_IP = 20
LOCKED_MESSAGE = "Too many failed login attempts. Wait a few minutes and try again."


def _keys(*, tenant, email: str, ip: str) -> tuple[str, str]:
    # Hashed, so the cache holds no email addresses.
    user_key = "login-fail:user:" + sha256_hex(f"{tenant.pk}:{email.strip().lower()}")
    ip_key = "login-fail:ip:" + sha256_hex(ip)
    return user_key, ip_key


def login_locked(*, tenant, email: str, ip: str) -> bool:
    """Whether this email or this address has failed too often within the window."""
    user_key, ip_key = _keys(tenant=tenant, email=email, ip=ip)
    counts = cache.get_many([user_key, ip_key])
    return counts.get(user_key, 0) >= MAX_FAILURES_PER_USER or counts.get(ip_key, 0) >= MAX_FAILURES_PER_IP


def _increment(key: str) -> None:
    # add() starts the window; incr() keeps its expiry. A race between them only loses one count.
    if not cache.add(key, 1, timeout=WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=WINDOW_SECONDS)


def login_failure_record(*, tenant, email: str, ip: str) -> None:
    for key in _keys(tenant=tenant, email=email, ip=ip):
        _increment(key)


def login_success_record(*, tenant, email: str, ip: str) -> None:
    """A correct password clears the user's counter (not the address's: one IP may try many users)."""
    cache.delete(_keys(tenant=tenant, email=email, ip=ip)[0])
