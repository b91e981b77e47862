"""Shared fixtures. Every suite has a second tenant at hand, to prove isolation."""

import threading
import time
from dataclasses import dataclass

import pytest

from clients.models import Client
from tenants import keys as tenants_keys
from tests import factories


@pytest.fixture(scope="session", autouse=True)
def _test_database_left_alone_before_it_is_dropped(django_db_setup, django_db_blocker):
    """PostgreSQL drops a database only once no session holds it: the log writer thread's connection
    is closed, and the backends of connections closed just before (by threads, live servers) are
    given a moment to exit, since a backend outlives its client's close by a little."""
    yield
    from django.db import connection

    from logs import recorder

    if connection.vendor != "postgresql":
        return
    recorder._writer.flush(timeout=10, close_connection=True)
    others = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for _ in range(50):
            cursor.execute(others)
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.1)


@dataclass
class App:
    """A client with its plaintext secret, as a developer holds it."""

    client: Client
    secret: str

    @property
    def client_id(self) -> str:
        return self.client.client_id

    @property
    def creds(self) -> dict:
        return {"client_id": self.client.client_id, "client_secret": self.secret}


@pytest.fixture
def tenant(db):
    return factories.make_tenant("acme", friendly_name="Acme")


@pytest.fixture
def other_tenant(db):
    return factories.make_tenant("other", friendly_name="Other")


@pytest.fixture
def rs256_api(tenant):
    return factories.make_api(
        tenant, identifier="https://api.acme.test/", name="Acme API", signing_alg="RS256"
    )


@pytest.fixture
def hs256_api(tenant):
    return factories.make_api(
        tenant, identifier="https://hs.acme.test/", name="Acme HS API", signing_alg="HS256"
    )


@pytest.fixture
def m2m_app(tenant, rs256_api, hs256_api):
    """A machine-to-machine client granted every scope of both APIs."""
    client, secret = factories.make_client(tenant, name="M2M")
    factories.make_grant(client, rs256_api)
    factories.make_grant(client, hs256_api)
    return App(client, secret)


@pytest.fixture
def password_app(tenant):
    """A confidential client allowed the password grants."""
    client, secret = factories.make_client(
        tenant,
        name="Password app",
        app_type=Client.AppType.REGULAR_WEB,
        grant_types=[Client.GrantType.PASSWORD, Client.GrantType.PASSWORD_REALM],
    )
    return App(client, secret)


@pytest.fixture
def end_user(tenant):
    return factories.make_user(tenant)


_KEY_POOL: dict[str, list] = {"RSA": [], "EC": []}
_KEY_POOL_LOCK = threading.Lock()


@pytest.fixture(autouse=True)
def reuse_generated_keys(monkeypatch):
    """Reuse private keys across tests: an RSA key costs 100-200 ms to generate and every tenant needs two.

    Within one test every key is still distinct (kids stay unique); across tests the database is
    reset, so the same keys can serve again. Every pooled key comes from the real generator.
    """
    real = tenants_keys.generate_private_key
    taken = {"RSA": 0, "EC": 0}

    def pooled(alg: str):
        kind = "EC" if alg == "ES256" else "RSA"
        with _KEY_POOL_LOCK:
            index = taken[kind]
            taken[kind] += 1
            pool = _KEY_POOL[kind]
            while len(pool) <= index:
                pool.append(real(alg))
            return pool[index]

    monkeypatch.setattr(tenants_keys, "generate_private_key", pooled)
