"""The same refresh token presented several times at once, on PostgreSQL: with a reuse interval every
use gets tokens and the family lives; without one, one use wins and the family is revoked (the rest
are reuse). Row locks are what decides, so SQLite (which serialises whole transactions) skips."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client as HttpClient
from django.utils import timezone

from tests import factories
from tokens.models import RefreshToken
from tokens.storage.refresh import new_family, refresh_token_issue

USES = 6


def _present_at_once(client_id: str, token: str) -> list[int]:
    start = threading.Barrier(USES)
    statuses: list[int] = []

    def use():
        try:
            start.wait()
            resp = HttpClient().post(
                "/acme/oauth/token",
                {"grant_type": "refresh_token", "refresh_token": token, "client_id": client_id},
            )
            statuses.append(resp.status_code)
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [threading.Thread(target=use) for _ in range(USES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.fixture
def refresh_token_of(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises whole transactions")
    tenant = factories.make_tenant("acme")
    api = factories.make_api(tenant, identifier="https://api.acme.test/", allow_offline_access=True)
    user = factories.make_user(tenant)

    def make(leeway: int):
        spa, _ = factories.make_client(
            tenant, name="SPA", app_type="spa", grant_types=["refresh_token"], refresh_token_leeway=leeway
        )
        token = refresh_token_issue(
            client=spa,
            user=user,
            audience=api.identifier,
            scope=["openid", "offline_access"],
            auth_time=timezone.now(),
            family=new_family(),
        )
        return spa.client_id, token

    return make


def test_with_a_reuse_interval_concurrent_uses_all_get_tokens(refresh_token_of):
    client_id, token = refresh_token_of(leeway=30)

    statuses = _present_at_once(client_id, token)

    assert statuses == [200] * USES
    assert RefreshToken.objects.filter(revoked_at__isnull=False).count() == 0
    assert RefreshToken.objects.filter(generation=1, used_at__isnull=True).count() == USES


def test_without_one_one_use_wins_and_the_family_is_revoked(refresh_token_of):
    client_id, token = refresh_token_of(leeway=0)

    statuses = _present_at_once(client_id, token)

    assert sorted(statuses) == [200] + [400] * (USES - 1)
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 0
    # and no claim was lost: the winner's successor exists (and is revoked with its family)
    assert RefreshToken.objects.filter(generation=1).count() == 1
