"""SSO sessions end when unused for the tenant's idle lifetime (Auth0's idle_session_lifetime).

A session that exists already counts as used at its login and keeps its absolute expiry as its idle
expiry: nobody is signed out by the upgrade, and its first use from now on starts the idle clock."""

from django.db import migrations, models
from django.db.models import F


def existing_sessions(apps, schema_editor):
    SsoSession = apps.get_model("tokens", "SsoSession")
    SsoSession.objects.update(last_used_at=F("auth_time"), idle_expires_at=F("expires_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("tokens", "0007_refresh_token_generation"),
    ]

    operations = [
        migrations.AddField(
            model_name="ssosession",
            name="last_used_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="ssosession",
            name="idle_expires_at",
            field=models.DateTimeField(db_index=True, null=True),
        ),
        migrations.RunPython(existing_sessions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ssosession",
            name="last_used_at",
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name="ssosession",
            name="idle_expires_at",
            field=models.DateTimeField(db_index=True),
        ),
    ]
