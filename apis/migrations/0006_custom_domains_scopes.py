"""Existing tenants get Auth0's custom-domain scopes: on the system API (Auth0 Management API), and on
every client grant for it that holds all the other management scopes (the provisioned management
client, and any grant an admin gave full access). A grant of fewer scopes was a choice, and stays."""

from django.db import migrations

SCOPES = ("read:custom_domains", "create:custom_domains", "update:custom_domains", "delete:custom_domains")
# The management scopes as they were before this migration (apis.system.MANAGEMENT_SCOPES then).
PREVIOUS = frozenset(
    [
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
    ]
    + ["read:logs"]
)


def add_scopes(apps, schema_editor):
    ResourceServer = apps.get_model("apis", "ResourceServer")
    ClientGrant = apps.get_model("clients", "ClientGrant")
    for api in ResourceServer.objects.filter(is_system=True):
        held = {s["value"] for s in api.scopes}
        missing = [s for s in SCOPES if s not in held]
        if missing:
            api.scopes = [*api.scopes, *({"value": s, "description": s.replace(":", " ").replace("_", " ")} for s in missing)]
            api.save(update_fields=["scopes"])
    for grant in ClientGrant.objects.filter(resource_server__is_system=True):
        if PREVIOUS <= set(grant.scope):
            missing = [s for s in SCOPES if s not in grant.scope]
            if missing:
                grant.scope = [*grant.scope, *missing]
                grant.save(update_fields=["scope"])


def remove_scopes(apps, schema_editor):
    ResourceServer = apps.get_model("apis", "ResourceServer")
    ClientGrant = apps.get_model("clients", "ClientGrant")
    for api in ResourceServer.objects.filter(is_system=True):
        api.scopes = [s for s in api.scopes if s["value"] not in SCOPES]
        api.save(update_fields=["scopes"])
    for grant in ClientGrant.objects.filter(resource_server__is_system=True):
        grant.scope = [s for s in grant.scope if s not in SCOPES]
        grant.save(update_fields=["scope"])


class Migration(migrations.Migration):
    dependencies = [
        ("apis", "0005_auth0_extra"),
        ("clients", "0003_client_grant_auth0_extra"),
        ("logs", "0002_read_logs_scope"),
    ]

    operations = [migrations.RunPython(add_scopes, remove_scopes)]
