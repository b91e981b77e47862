"""Key and secret operations made from the command line or the admin are `sapi` events naming the
operation and who made it (SPEC sections 6 and 9)."""

import json
from io import StringIO

from django.core.management import call_command

from logs.models import LogEvent
from tenants.services import tenant_membership_add


def test_rotating_keys_from_the_command_line_is_recorded(tenant, other_tenant):
    call_command("rotate_signing_keys", "--tenant", "acme", stdout=StringIO(), stderr=StringIO())
    event = LogEvent.objects.get(type="sapi")
    assert (event.tenant_id, event.description, event.details["actor"]) == (
        tenant.pk,
        "Rotate signing keys",
        "manage.py",
    )
    assert not LogEvent.objects.filter(tenant=other_tenant).exists()


def test_rotating_an_api_secret_from_the_command_line_is_recorded_without_the_secret(tenant, hs256_api):
    old = hs256_api.signing_secret
    call_command(
        "rotate_api_secret",
        "--tenant",
        "acme",
        "--api",
        hs256_api.identifier,
        "--grace",
        "60",
        stdout=StringIO(),
    )
    hs256_api.refresh_from_db()
    event = LogEvent.objects.get(type="sapi")
    assert event.details["api"] == hs256_api.identifier
    assert old not in json.dumps(event.details)
    assert hs256_api.signing_secret not in json.dumps(event.details)


def test_revealing_an_hs256_secret_in_the_admin_names_who_saw_it(
    client, django_user_model, tenant, hs256_api
):
    # given
    staff = django_user_model.objects.create_user("carol", "carol@example.test", "pw", is_staff=True)
    tenant_membership_add(tenant=tenant, user=staff)
    client.force_login(staff)
    url = f"/admin/apis/resourceserver/{hs256_api.pk}/reveal-secret/"

    # when: asked, then confirmed
    client.get(url)
    assert not LogEvent.objects.exists()
    client.post(url, {"post": "yes"})

    # then
    event = LogEvent.objects.get(type="sapi")
    assert event.description == "Reveal an API's signing secret"
    assert event.details["staff_user"] == "carol"
    assert hs256_api.signing_secret not in json.dumps(event.details)
