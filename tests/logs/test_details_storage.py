"""An event's details are stored once per tenant, UTC day and content (logs.models.LogDetails), and
read back whole with each event; retention takes a day's details with that day's events."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from logs import recorder
from logs.ids import new_log_id
from logs.models import LogDetails, LogEvent
from logs.recorder import log_event_record
from logs.selectors import log_events_search
from tests.logs.conftest import quiet_token_for
from tests.management.conftest import ManagementApi

pytestmark = pytest.mark.django_db


def ask_token(client, app, api):
    return client.post(
        "/acme/oauth/token", {"grant_type": "client_credentials", "audience": api.identifier, **app.creds}
    )


def test_the_same_token_asked_twice_shares_one_details_row_and_each_event_reads_it_whole(
    client, tenant, m2m_app, rs256_api
):
    # given
    api = ManagementApi(client, tenant.slug, quiet_token_for(tenant, ["read:logs"]))
    LogEvent.objects.all().delete()
    LogDetails.objects.all().delete()

    # when
    first, second = ask_token(client, m2m_app, rs256_api), ask_token(client, m2m_app, rs256_api)

    # then
    assert (first.status_code, second.status_code) == (200, 200)
    assert LogDetails.objects.count() == 1
    shown = [api("GET", f"logs/{r['Authport-Log-Id']}").json() for r in (first, second)]
    assert shown[0]["details"] == shown[1]["details"]
    assert shown[0]["details"]["explanation"]["outcome"]["audiences"] == [rs256_api.identifier]
    assert shown[0]["details"]["request"]["client_id"] == m2m_app.client_id
    listed = api("GET", "logs", query={"q": f'client_id:"{m2m_app.client_id}"'}).json()
    assert [e["details"] for e in listed] == [shown[0]["details"]] * 2


def test_details_differing_in_anything_are_stored_apart(tenant, other_tenant):
    # when
    ids = [
        log_event_record(tenant=tenant, type="sapi", details={"operation": "a"}),
        log_event_record(tenant=tenant, type="sapi", details={"operation": "b"}),
        log_event_record(tenant=other_tenant, type="sapi", details={"operation": "a"}),
        log_event_record(tenant=tenant, type="sapi"),
    ]

    # then: one row each for a, b and the other tenant's a; none for no details
    events = {e.log_id: e for e in LogEvent.objects.select_related("details_ref")}
    assert [events[i].details for i in ids] == [
        {"operation": "a"},
        {"operation": "b"},
        {"operation": "a"},
        {},
    ]
    assert events[ids[3]].details_ref_id is None
    assert {d.tenant_id for d in LogDetails.objects.all()} == {tenant.pk, other_tenant.pk}
    assert LogDetails.objects.count() == 3


def test_a_tenant_never_reads_another_tenants_details_through_its_log(client, tenant, other_tenant):
    # given: the same details in two tenants
    mine = log_event_record(tenant=tenant, type="sapi", details={"operation": "same"})
    theirs = log_event_record(tenant=other_tenant, type="sapi", details={"operation": "same"})
    api = ManagementApi(client, tenant.slug, quiet_token_for(tenant, ["read:logs"]))

    # then
    assert api("GET", f"logs/{mine}").json()["details"] == {"operation": "same"}
    assert api("GET", f"logs/{theirs}").status_code == 404
    mine_ref, theirs_ref = (LogEvent.objects.get(log_id=i).details_ref for i in (mine, theirs))
    assert (mine_ref.tenant_id, theirs_ref.tenant_id) == (tenant.pk, other_tenant.pk)


def test_retention_takes_a_days_details_with_its_events_and_keeps_the_rest(tenant, monkeypatch):
    # given: the same details recorded 40 days ago and now
    LogEvent.objects.all().delete()
    LogDetails.objects.all().delete()
    old = timezone.now() - dt.timedelta(days=40)
    old_micros = int(old.timestamp() * 1_000_000)
    monkeypatch.setattr(recorder, "log_id_now", lambda: (new_log_id(old), old_micros))
    old_id = log_event_record(tenant=tenant, type="sapi", details={"operation": "rotate"})
    monkeypatch.undo()
    new_id = log_event_record(tenant=tenant, type="sapi", details={"operation": "rotate"})
    assert LogDetails.objects.count() == 2  # one per day

    # when
    out = StringIO()
    call_command("clear_expired_tokens", "--json", stdout=out)

    # then
    assert json.loads(out.getvalue())["log_events"] == 1
    assert list(LogEvent.objects.values_list("log_id", flat=True)) == [new_id]
    assert LogEvent.objects.get(log_id=new_id).details == {"operation": "rotate"}
    (kept,) = LogDetails.objects.all()
    assert kept.day == timezone.now().astimezone(dt.UTC).date()
    assert old_id != new_id


def test_deleting_a_tenant_deletes_its_events_and_details_and_no_one_elses(tenant, other_tenant):
    # given
    log_event_record(tenant=tenant, type="sapi", details={"operation": "mine"})
    theirs = log_event_record(tenant=other_tenant, type="sapi", details={"operation": "theirs"})

    # when
    tenant.delete()

    # then
    assert list(LogEvent.objects.values_list("log_id", flat=True)) == [theirs]
    assert [d.details for d in LogDetails.objects.all()] == [{"operation": "theirs"}]


def test_an_event_whose_details_row_is_gone_reads_without_details_not_a_500(client, tenant):
    # given: an event whose shared details row was deleted under it
    log_id = log_event_record(tenant=tenant, type="sapi", description="kept", details={"operation": "x"})
    LogDetails.objects.filter(tenant=tenant).delete()
    api = ManagementApi(client, tenant.slug, quiet_token_for(tenant, ["read:logs"]))

    # when: read alone (logs/{id}) and joined in a list
    alone = api("GET", f"logs/{log_id}")
    listed = api("GET", "logs", query={"q": "type:sapi"})

    # then
    assert alone.status_code == 200
    assert alone.json()["description"] == "kept"
    assert "details" not in alone.json()
    assert [e["log_id"] for e in listed.json()] == [log_id]
    assert "details" not in listed.json()[0]
    assert LogEvent.objects.get(log_id=log_id).details == {}
    assert [e.details for e in log_events_search(tenant=tenant, q="type:sapi")] == [{}]  # joined
    out = StringIO()
    call_command("tail_logs", "--tenant", tenant.slug, "--type", "sapi", stdout=out)
    assert "kept" in out.getvalue()
