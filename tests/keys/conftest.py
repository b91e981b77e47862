"""Fixtures for signing-key and secret rotation (SPEC section 4)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tenants.models import SigningKey
from tests import factories
from tests.conftest import App


def run(command: str, *args: str) -> str:
    """A management command's standard output; a CommandError propagates."""
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def kid_of(tenant, alg: str, state: str) -> str:
    return SigningKey.objects.for_tenant(tenant).get(alg=alg, state=state).kid


def kids_in(tenant, state: str, alg: str = "RS256") -> list[str]:
    return list(
        SigningKey.objects.for_tenant(tenant)
        .filter(alg=alg, state=state)
        .order_by("pk")
        .values_list("kid", flat=True)
    )


def key_rows(tenant) -> list[tuple]:
    """Everything about a tenant's keys that a rotation or revocation may change: for 'nothing changed'."""
    return list(
        SigningKey.objects.for_tenant(tenant)
        .order_by("pk")
        .values_list(
            "kid", "alg", "state", "current_since", "current_until", "revoked_at", "private_key_encrypted"
        )
    )


def token_for(client, app: App, audience: str, *, slug: str = "acme") -> str:
    """A client-credentials access token from the tenant's token endpoint."""
    body = {"grant_type": "client_credentials", "audience": audience, **app.creds}
    resp = client.post(f"/{slug}/oauth/token", json.dumps(body), content_type="application/json")
    assert resp.status_code == 200, (resp.status_code, resp.content[:500])
    return resp.json()["access_token"]


@pytest.fixture
def es256_api(tenant):
    """An ES256 API, which gives the tenant a second key chain."""
    return factories.make_api(
        tenant, identifier="https://es.acme.test/", name="Acme ES API", signing_alg="ES256"
    )


@pytest.fixture
def other_m2m_app(other_tenant):
    api = factories.make_api(other_tenant, identifier="https://api.other.test/", signing_alg="RS256")
    client, secret = factories.make_client(other_tenant, name="Other M2M")
    factories.make_grant(client, api)
    return App(client, secret)
