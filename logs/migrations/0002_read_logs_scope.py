"""Existing tenants get `read:logs`: on the system API (Auth0 Management API), and on every client grant
for it that holds all the other management scopes (the provisioned management client, and any grant
an admin gave full access). A grant of fewer scopes was a choice, and stays as it was."""

from django.db import migrations

SCOPE = "read:logs"
# The management scopes as they were before this migration (apis.system.MANAGEMENT_SCOPES then).
PREVIOUS = frozenset(
    f"{action}:{resource}"
    for resource in (
        "resource_servers",
        "clients",
        "client_grants",
        "users",
        "roles",
        "tenant_settings",
        "signing_keys",
    )
    for action in ("read", "create", "update", "delete")
    if not (resource == "tenant_settings" and action in ("create", "delete"))
    and not (resource == "signing_keys" and action == "delete")
)


def add_scope(apps, schema_editor):
    ResourceServer = apps.get_model("apis", "ResourceServer")
    ClientGrant = apps.get_model("clients", "ClientGrant")
    for api in ResourceServer.objects.filter(is_system=True):
        if SCOPE not in {s["value"] for s in api.scopes}:
            api.scopes = [*api.scopes, {"value": SCOPE, "description": "read logs"}]
            api.save(update_fields=["scopes"])
    for grant in ClientGrant.objects.filter(resource_server__is_system=True):
        if PREVIOUS <= set(grant.scope) and SCOPE not in grant.scope:
            grant.scope = [*grant.scope, SCOPE]
            grant.save(update_fields=["scope"])


def remove_scope(apps, schema_editor):
    ResourceServer = apps.get_model("apis", "ResourceServer")
    ClientGrant = apps.get_model("clients", "ClientGrant")
    for api in ResourceServer.objects.filter(is_system=True):
        api.scopes = [s for s in api.scopes if s["value"] != SCOPE]
        api.save(update_fields=["scopes"])
    for grant in ClientGrant.objects.filter(resource_server__is_system=True):
        grant.scope = [s for s in grant.scope if s != SCOPE]
        grant.save(update_fields=["scope"])


class Migration(migrations.Migration):
    dependencies = [
        ("logs", "0001_initial"),
        ("apis", "0003_system_api_auth0_name"),
        ("clients", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_scope, remove_scope)]
