"""`manage.py tail_logs` (SPEC section 9)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from logs.management.commands import tail_logs
from tests import factories


def tail(*args) -> list[str]:
    out = io.StringIO()
    call_command("tail_logs", *args, stdout=out)
    return out.getvalue().splitlines()


def test_prints_the_latest_events_oldest_first(tenant, events):
    # when
    lines = tail("--tenant", tenant.slug, "--lines", "2")

    # then
    assert lines == [
        "2026-03-16T00:00:00.000Z  sepft    Web App (cid-web)  Bob@Example.test",
        "2026-06-01T00:00:00.000Z  sapi     acme management client (cid-mgmt)  -  Create a resource server",
    ]


def test_filters_by_type_and_client_and_prints_json(tenant, events):
    # when
    lines = tail("--tenant", tenant.slug, "--type", "fp", "--type", "s", "--client-id", "cid-web", "--json")

    # then
    printed = [json.loads(line) for line in lines]
    assert [e["log_id"] for e in printed] == [events[2].log_id, events[3].log_id]
    assert printed[0]["user_id"] == "auth0|alice"
    assert printed[0]["date"] == "2026-03-15T08:30:00.000Z"


def test_shows_the_explanations_summary(tenant, events):
    assert tail("--tenant", tenant.slug, "--type", "seccft") == [
        "2026-01-05T10:00:00.000Z  seccft   Worker (cid-worker)  -  ok"
    ]


def test_never_shows_another_tenants_events(tenant, other_tenant, events):
    printed = [json.loads(line) for line in tail("--tenant", other_tenant.slug, "--json", "--lines", "100")]
    assert [(e["type"], e["client_id"], e["user_id"]) for e in printed] == [("fp", "cid-web", "auth0|alice")]


def test_follow_prints_new_events_until_the_deadline(tenant, events, monkeypatch):
    # given: a new event arrives while the command waits (the first sleep), one of another type after
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 1:
            factories.make_log_event(tenant, date="2026-07-01T00:00:00+00:00", type="fp", client_id="cid-web")
        if len(sleeps) == 2:
            factories.make_log_event(tenant, date="2026-07-02T00:00:00+00:00", type="s", client_id="cid-web")

    monkeypatch.setattr(tail_logs.time, "sleep", sleep)

    # when
    lines = tail(
        "--tenant", tenant.slug, "--type", "fp", "--follow", "--seconds", "0.2", "--interval", "0.05"
    )

    # then
    assert [line.split()[:2] for line in lines] == [
        ["2026-03-15T08:30:00.000Z", "fp"],
        ["2026-07-01T00:00:00.000Z", "fp"],
    ]
    assert sleeps
    assert max(sleeps) <= 0.05


def test_follow_with_no_lines_prints_only_new_events(tenant, events, monkeypatch):
    monkeypatch.setattr(
        tail_logs.time, "sleep", lambda s: factories.make_log_event(tenant, type="limit_wc", client_id="x")
    )
    lines = tail(
        "--tenant", tenant.slug, "--lines", "0", "--follow", "--seconds", "0.05", "--interval", "0.05"
    )
    assert lines
    assert {line.split()[1] for line in lines} == {"limit_wc"}


def test_unknown_tenant_is_a_command_error(db):
    with pytest.raises(CommandError, match="Unknown tenant: nobody"):
        tail("--tenant", "nobody")


@pytest.mark.parametrize("args", [["--lines", "-1"], ["--interval", "0"], ["--seconds", "-1"]])
def test_bad_numbers_are_a_command_error(tenant, args):
    with pytest.raises(CommandError):
        tail("--tenant", tenant.slug, *args)
