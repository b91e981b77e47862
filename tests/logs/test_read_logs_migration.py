"""Tenants made before logs existed get `read:logs` (logs migration 0002): on the system API, and on
the grants for it that held every other management scope; narrower grants stay as they were."""

import importlib

from django.apps import apps

from apis.models import ResourceServer
from clients.models import ClientGrant
from tests import factories
from tests.management.conftest import management_api

migration = importlib.import_module("logs.migrations.0002_read_logs_scope")


def _as_before_logs(tenant):
    """The tenant as provisioning left it before read:logs existed, plus a narrow grant."""
    system = management_api(tenant)
    ResourceServer.objects.filter(pk=system.pk).update(
        scopes=[s for s in system.scopes if s["value"] != "read:logs"]
    )
    for grant in ClientGrant.objects.filter(resource_server=system):
        grant.scope = [s for s in grant.scope if s != "read:logs"]
        grant.save()
    narrow_client, _ = factories.make_client(tenant, name="Reader")
    return ClientGrant.objects.create(
        tenant=tenant, client=narrow_client, resource_server=system, scope=["read:clients"]
    )


def test_adds_read_logs_to_the_system_api_and_full_grants_only(tenant, other_tenant, rs256_api):
    # given
    narrow = _as_before_logs(tenant)
    _as_before_logs(other_tenant)
    other_api_grant = factories.make_grant(factories.make_client(tenant, name="M2M")[0], rs256_api)

    # when: run twice, as a re-run must change nothing more
    migration.add_scope(apps, None)
    migration.add_scope(apps, None)

    # then
    for t in (tenant, other_tenant):
        system = management_api(t)
        assert [s["value"] for s in system.scopes].count("read:logs") == 1
        assert {"value": "read:logs", "description": "read logs"} in system.scopes
    full = ClientGrant.objects.filter(resource_server__is_system=True).exclude(scope=["read:clients"])
    assert full.count() == 2  # the two management clients
    assert all(g.scope.count("read:logs") == 1 for g in full)
    narrow.refresh_from_db()
    other_api_grant.refresh_from_db()
    assert narrow.scope == ["read:clients"]
    assert "read:logs" not in other_api_grant.scope


def test_reverse_removes_it(tenant):
    # when
    migration.remove_scope(apps, None)

    # then
    assert "read:logs" not in management_api(tenant).scope_values
    assert all(
        "read:logs" not in g.scope for g in ClientGrant.objects.filter(resource_server__is_system=True)
    )
