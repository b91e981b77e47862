"""The hot path's shortcuts behave as what they replace: instances as Model.from_db builds them, the
HS256 key checks PyJWT makes, and the SQLite placeholders Django writes; and the served application
keeps its startup heap out of the garbage collector's reach."""

import os
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from django.db import connection

from apis.models import ResourceServer
from clients.models import Client
from core.prepared import loaded_instance
from tokens.client_auth import client_with_tenant
from tokens.issuing.keyring import hmac_secret, jwt_signed


def test_a_loaded_instance_reads_its_deferred_fields_from_the_database(tenant, m2m_app):
    # given: only the client's id and client_id, as a prepared statement would select them
    stored = Client.objects.get(client_id=m2m_app.client.client_id)
    # when
    loaded = loaded_instance(Client, "default", ["id", "client_id"], [stored.pk, stored.client_id])
    # then: the rest loads on access, it saves as an existing row, and it equals the ORM's instance
    assert loaded.get_deferred_fields() >= {"name", "tenant_id"}
    assert loaded.name == stored.name
    assert loaded.tenant == tenant
    assert loaded._state.adding is False
    assert loaded._state.db == "default"
    assert loaded == stored


def test_the_token_lookup_gives_the_client_its_tenant_and_api(tenant, m2m_app, rs256_api):
    # when
    client = client_with_tenant(
        client_id=m2m_app.client.client_id, tenant_slug=tenant.slug, audience=rs256_api.identifier
    )
    # then
    requested, api = client.prefetched_api
    assert requested == rs256_api.identifier
    assert isinstance(api, ResourceServer)
    assert api.pk == rs256_api.pk
    assert api.signing_alg == "RS256"
    assert api.name == rs256_api.name  # deferred: loaded now
    assert client.tenant.slug == tenant.slug


def test_an_api_identifier_still_cannot_change_once_set(rs256_api):
    # given: an instance loaded the way the token endpoint loads it
    api = ResourceServer.objects.get(pk=rs256_api.pk)
    api.identifier = "https://renamed.example.com/"
    # when / then
    with pytest.raises(Exception, match="cannot be changed once set"):
        api.full_clean()


def test_an_hs256_secret_is_checked_by_pyjwt_once_and_the_token_verifies():
    # given
    secret = "s" * 48
    # when
    token = jwt_signed({"sub": "x"}, hmac_secret(secret), alg="HS256", headers={"typ": "JWT"})
    # then: the same token PyJWT writes, verifying with the plain secret
    assert token == jwt.encode({"sub": "x"}, secret, algorithm="HS256", headers={"typ": "JWT"})
    assert jwt.decode(token, secret, algorithms=["HS256"]) == {"sub": "x"}


def test_an_asymmetric_key_is_still_refused_as_an_hs256_secret():
    # given: a PEM public key, the alg-confusion classic
    pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
    # when / then
    with pytest.raises(jwt.InvalidKeyError):
        hmac_secret(pem)
    with pytest.raises(jwt.InvalidKeyError):
        jwt_signed({"sub": "x"}, pem, alg="HS256", headers={})


@pytest.mark.django_db
def test_sqlite_placeholders_and_literal_percents_are_written_as_django_writes_them():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's placeholder rewrite")
    # when: the same statement twice (the second rewrite comes from the cache)
    with connection.cursor() as cursor:
        rows = [cursor.execute("SELECT %s || '%%s' || %s", ["a", "b"]).fetchone()[0] for _ in range(2)]
    # then
    assert rows == ["a%sb", "a%sb"]


def test_the_served_application_freezes_its_startup_heap(tmp_path):
    # when: gunicorn's import of the WSGI module, in a process of its own
    done = subprocess.run(
        [sys.executable, "-c", "import gc, authport.wsgi; print(gc.get_freeze_count())"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
            "DJANGO_READ_DOT_ENV_FILE": "false",
        },
    )
    # then: the application's objects are out of the garbage collector's reach
    assert int(done.stdout.strip().splitlines()[-1]) > 10_000
