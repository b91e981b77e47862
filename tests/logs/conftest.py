"""Fixtures for the logs' read side: a tenant with known events, and Management API callers."""

import pytest
from django.core.cache import cache

from logs.models import LogEvent
from provisioning.services import MANAGEMENT_SCOPES
from tests import factories
from tests.management.conftest import ManagementApi, token_for


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def quiet_token_for(tenant, scopes) -> str:
    """`token_for`, without the events getting the token records: tests see only the events they made."""
    before = set(LogEvent.objects.values_list("pk", flat=True))
    token = token_for(tenant, scopes)
    LogEvent.objects.exclude(pk__in=before).delete()
    return token


@pytest.fixture
def logs_api(client, tenant) -> ManagementApi:
    """The tenant's Management API, with a token holding every management scope (read:logs too)."""
    return ManagementApi(client, tenant.slug, quiet_token_for(tenant, MANAGEMENT_SCOPES))


@pytest.fixture
def events(tenant, other_tenant):
    """Six events of `tenant` over 2026, oldest first, and one of `other_tenant` (and no others)."""
    LogEvent.objects.all().delete()
    made = [
        factories.make_log_event(
            tenant,
            date="2026-01-05T10:00:00+00:00",
            type="seccft",
            client_id="cid-worker",
            client_name="Worker",
            audience="https://api.acme.test/",
            scope="read:items",
            ip="10.0.0.1",
            details={"explanation": {"outcome": "issued", "steps": [], "summary": "ok", "fix": ""}},
        ),
        factories.make_log_event(
            tenant,
            date="2026-02-10T12:00:00+00:00",
            type="feccft",
            client_id="cid-worker",
            client_name="Worker",
            audience="https://api.acme.test",
            ip="10.0.0.2",
            description="Service not enabled within domain: https://api.acme.test",
        ),
        factories.make_log_event(
            tenant,
            date="2026-03-15T08:30:00+00:00",
            type="fp",
            client_id="cid-web",
            client_name="Web App",
            user_id="auth0|alice",
            user_name="alice@example.test",
            connection="Username-Password-Authentication",
            ip="2001:db8::1",
            user_agent="Mozilla/5.0 (X11)",
        ),
        factories.make_log_event(
            tenant,
            date="2026-03-15T23:59:59+00:00",
            type="s",
            client_id="cid-web",
            client_name="Web App",
            user_id="auth0|alice",
            user_name="alice@example.test",
            connection="Username-Password-Authentication",
        ),
        factories.make_log_event(
            tenant,
            date="2026-03-16T00:00:00+00:00",
            type="sepft",
            client_id="cid-web",
            client_name="Web App",
            user_id="auth0|bob",
            user_name="Bob@Example.test",
            audience="https://api.acme.test/",
        ),
        factories.make_log_event(
            tenant,
            date="2026-06-01T00:00:00+00:00",
            type="sapi",
            client_id="cid-mgmt",
            client_name="acme management client",
            description="Create a resource server",
        ),
    ]
    factories.make_log_event(
        other_tenant, date="2026-03-15T09:00:00+00:00", type="fp", client_id="cid-web", user_id="auth0|alice"
    )
    return made
