"""The system API takes Auth0's name, "Auth0 Management API", by which Auth0's tools recognise it."""

from django.db import migrations

OLD_NAME = "Management API"
NEW_NAME = "Auth0 Management API"


def rename_forward(apps, schema_editor):
    ResourceServer = apps.get_model("apis", "ResourceServer")
    ResourceServer.objects.filter(is_system=True, name=OLD_NAME).update(name=NEW_NAME)


def rename_backward(apps, schema_editor):
    ResourceServer = apps.get_model("apis", "ResourceServer")
    ResourceServer.objects.filter(is_system=True, name=NEW_NAME).update(name=OLD_NAME)


class Migration(migrations.Migration):
    dependencies = [("apis", "0002_initial")]

    operations = [migrations.RunPython(rename_forward, rename_backward)]
