"""Rotations racing each other on PostgreSQL (SPEC section 4: never zero or two current keys, no key lost)."""

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from tenants import services
from tenants.keys import generate_signing_key
from tenants.models import SigningKey
from tenants.services import signing_keys_rotate
from tests import factories

ROTATIONS = 6


def generate_up_front(monkeypatch) -> None:
    """Key pairs made before the threads start, so that every rotation reaches the database at once."""
    pool = {
        alg: [generate_signing_key(alg=alg, common_name="acme") for _ in range(ROTATIONS)]
        for alg in ("RS256", "ES256")
    }
    monkeypatch.setattr(services, "generate_signing_key", lambda *, alg, common_name: pool[alg].pop())


@pytest.mark.django_db(transaction=True)
def test_concurrent_rotations_leave_one_current_and_one_next_and_lose_no_key(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises whole transactions")
    # given: a tenant with an RS256 and an ES256 chain
    tenant = factories.make_tenant("acme")
    factories.make_api(tenant, identifier="https://es.acme.test/", signing_alg="ES256")
    initial = {
        alg: (
            SigningKey.objects.get(tenant=tenant, alg=alg, state="current").kid,
            SigningKey.objects.get(tenant=tenant, alg=alg, state="next").kid,
        )
        for alg in ("ES256", "RS256")
    }
    generate_up_front(monkeypatch)
    start = threading.Barrier(ROTATIONS)
    results, errors = [], []

    def rotate():
        try:
            start.wait()
            results.append(signing_keys_rotate(tenant=tenant))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()  # each thread had its own connection

    # when
    threads = [threading.Thread(target=rotate) for _ in range(ROTATIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: every rotation succeeded
    assert errors == []
    assert len(results) == ROTATIONS
    for alg, (current, next_) in initial.items():
        chain = SigningKey.objects.filter(tenant=tenant, alg=alg)
        # exactly one current and one next; every other key is previous (none revoked, none lost)
        assert chain.filter(state="current").count() == 1
        assert chain.filter(state="next").count() == 1
        assert chain.filter(state="previous").count() == ROTATIONS
        generated = {r.next_kid for rotation in results for r in rotation if r.alg == alg}
        assert len(generated) == ROTATIONS
        assert set(chain.values_list("kid", flat=True)) == {current, next_} | generated
        # and the rotations ran one after the other: each rotated the chain the one before it left
        by_previous = {r.previous_kid: r for rotation in results for r in rotation if r.alg == alg}
        assert len(by_previous) == ROTATIONS
        for _ in range(ROTATIONS):
            step = by_previous.pop(current)
            assert step.current_kid == next_
            current, next_ = step.current_kid, step.next_kid
        assert chain.get(state="current").kid == current
        assert chain.get(state="next").kid == next_


def rotate_with_lock_timeout(tenant, timeout: str) -> None:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{timeout}'")
        signing_keys_rotate(tenant=tenant)


@pytest.mark.django_db(transaction=True)
def test_the_rotation_lock_excludes_other_key_writers_but_not_inserts_that_reference_the_tenant():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises whole transactions")
    # given: another connection holds the tenant lock, as a rotation does while it runs
    tenant = factories.make_tenant("acme")
    locked, release = threading.Event(), threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                services._tenant_lock(tenant)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert locked.wait(timeout=30)
    try:
        # when: a client is created (its row references the tenant), then a second key writer tries
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            client, _ = factories.make_client(tenant, name="Created during a rotation")
        with pytest.raises(OperationalError) as exc:
            rotate_with_lock_timeout(tenant, "200ms")
    finally:
        release.set()
        holder.join(timeout=30)

    # then
    assert client.pk is not None
    assert "lock timeout" in str(exc.value)
    assert SigningKey.objects.filter(tenant=tenant).count() == 2  # the rotation that timed out left nothing
