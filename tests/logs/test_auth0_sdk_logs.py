"""auth0-python's Management `logs` client against a live Authport (SPEC section 9): `logs.list` with
`search` (q), paging, `fields` and `sort`, `logs.get`, and checkpoint paging (`from`/`take`).

auth0-python 5+ has no checkpoint method on `logs` (its `list` parses only the include_totals wrapper),
so checkpoint paging goes through the SDK's own authenticated HTTP client, as a log shipper would."""

import httpx
import pytest
from auth0.authentication import GetToken
from auth0.management import Auth0
from auth0.management.core.api_error import ApiError

from logs.models import LogEvent
from provisioning.services import tenant_provision
from tests import factories


@pytest.fixture
def live(live_server, settings, transactional_db):
    """A tenant served by the live server, its SDK client, and eight events over 2026 (oldest first)."""
    settings.PUBLIC_URL = live_server.url
    provisioned = tenant_provision(slug="acme", friendly_name="Acme")
    other = tenant_provision(slug="other").tenant
    token = GetToken(
        f"{live_server.url.removeprefix('http://')}/acme",
        provisioned.management_client.client_id,
        client_secret=provisioned.management_client_secret,
        protocol="http",
    ).client_credentials(audience=provisioned.tenant.management_audience)["access_token"]
    LogEvent.objects.all().delete()  # getting the token was an event too; the test makes its own
    tenant = provisioned.tenant
    events = [
        factories.make_log_event(
            tenant,
            date=f"2026-0{1 + n % 3}-{10 + n:02}T12:00:00+00:00",
            type="fp" if n % 2 else "seccft",
            client_id="cid-web" if n % 2 else "cid-worker",
            client_name="Web App" if n % 2 else "Worker",
            user_id="auth0|alice" if n % 2 else "",
        )
        for n in range(8)
    ]
    events.sort(key=lambda e: e.log_id)
    factories.make_log_event(other, type="fp", client_id="cid-web")
    # A connection kept alive would keep the server thread (and its database connection) open.
    with httpx.Client(timeout=30) as http:
        yield (
            events,
            Auth0(base_url=f"{live_server.url}/acme/api/v2", token=token, max_retries=0, httpx_client=http),
        )


def test_sdk_lists_every_event_newest_first_across_pages(live):
    # given
    events, api = live

    # when: the pager asks page 0, 1, 2 ... until an empty page
    listed = list(api.logs.list(per_page=3))

    # then
    assert [e.log_id for e in listed] == [e.log_id for e in reversed(events)]
    assert listed[0].date == events[-1].date.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_sdk_search_sort_and_fields(live):
    # given
    events, api = live
    failed_logins = [e for e in events if e.type == "fp"]

    # when
    found = list(api.logs.list(search='type:fp AND user_id:"auth0|alice"', sort="date:1", per_page=2))
    january = list(api.logs.list(search="date:[2026-01-01 TO 2026-01-31]"))
    narrow = api.logs.list(search="client_id:cid-worker", fields="log_id,type", include_fields=True)
    wide = api.logs.list(search="client_id:cid-web", fields="client_name", include_fields=False)

    # then
    assert [e.log_id for e in found] == sorted(e.log_id for e in failed_logins)
    assert {e.date.startswith("2026-01-") for e in january} == {True}
    assert len(january) == 3
    first = narrow.items[0]
    assert (first.type, first.client_id, first.client_name) == ("seccft", None, None)
    assert (wide.items[0].client_name, wide.items[0].client_id) == (None, "cid-web")
    assert narrow.response.total == 4


def test_sdk_gets_one_event_and_sees_a_404(live):
    # given
    events, api = live

    # when
    one = api.logs.get(id=events[3].log_id)
    with pytest.raises(ApiError) as missing:
        api.logs.get(id="9002" + "0" * 28)

    # then
    assert (one.log_id, one.type, one.client_id) == (events[3].log_id, events[3].type, events[3].client_id)
    assert missing.value.status_code == 404
    assert missing.value.body["errorCode"] == "inexistent_log"


def test_sdk_sees_a_malformed_search_as_400(live):
    _, api = live
    with pytest.raises(ApiError) as excinfo:
        list(api.logs.list(search="type:(fp"))
    assert excinfo.value.status_code == 400
    assert excinfo.value.body["errorCode"] == "invalid_query_string"


def test_checkpoint_paging_through_the_sdks_client(live):
    # given: a shipper that stored the first event's id as its checkpoint
    events, api = live
    http = api._client_wrapper.httpx_client
    checkpoint, shipped = events[0].log_id, []

    # when
    while True:
        response = http.request("logs", method="GET", params={"from": checkpoint, "take": 3})
        assert response.status_code == 200
        batch = response.json()
        if not batch:
            break
        shipped += [e["log_id"] for e in batch]
        checkpoint = batch[-1]["log_id"]

    # then
    assert shipped == [e.log_id for e in events[1:]]
