"""The Redis cache backend Authport configures for a redis:// CACHE_URL (core/redis_cache.py)."""

import socket

import pytest
from django.core.cache import caches

REDIS = ("127.0.0.1", 6379)


def _redis_answers() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/11"},
    }
    cache = caches["default"]
    cache.clear()
    yield cache
    cache.clear()


def test_values_and_counters_round_trip(redis_cache):
    # when
    redis_cache.set("published:acme", {"keys": ["k1"]}, timeout=60)
    redis_cache.add("attempts:alice", 0, timeout=60)
    counted = [redis_cache.incr("attempts:alice") for _ in range(3)]

    # then
    assert redis_cache.get("published:acme") == {"keys": ["k1"]}
    assert redis_cache.get_many(["published:acme", "missing"]) == {"published:acme": {"keys": ["k1"]}}
    assert counted == [1, 2, 3]


def test_one_redis_client_serves_every_call(redis_cache):
    # given: the cost it removes: Django's backend builds a redis.Redis per call
    backend = redis_cache._cache

    # when
    clients = {id(backend.get_client(write=True)), id(backend.get_client()), id(backend.get_client("key"))}

    # then: one server, one pool, one client
    assert len(clients) == 1
