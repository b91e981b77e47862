"""`GET /{slug}/api/v2/logs` and `logs/{id}` with Auth0's parameters (SPEC section 9)."""

import time

import jwt
import pytest

from apis.system import MANAGEMENT_SCOPES
from tenants.keys import load_private_key
from tenants.selectors import signing_key_current
from tests import factories
from tests.logs.conftest import quiet_token_for
from tests.management.conftest import ManagementApi, assert_error


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    return [e["log_id"] for e in (body["logs"] if isinstance(body, dict) else body)]


def test_lists_the_tenants_events_newest_first_in_auth0_shape(logs_api, events):
    # when
    response = logs_api("GET", "logs")

    # then
    assert ids(response) == [e.log_id for e in reversed(events)]
    first = response.json()[-1]
    assert first == {
        "log_id": events[0].log_id,
        "date": "2026-01-05T10:00:00.000Z",
        "type": "seccft",
        "client_id": "cid-worker",
        "client_name": "Worker",
        "ip": "10.0.0.1",
        "audience": "https://api.acme.test/",
        "scope": "read:items",
        "details": {"explanation": {"outcome": "issued", "steps": [], "summary": "ok", "fix": ""}},
    }


def test_one_event_by_id(logs_api, events):
    # when
    response = logs_api("GET", f"logs/{events[2].log_id}")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "log_id": events[2].log_id,
        "date": "2026-03-15T08:30:00.000Z",
        "type": "fp",
        "client_id": "cid-web",
        "client_name": "Web App",
        "ip": "2001:db8::1",
        "user_agent": "Mozilla/5.0 (X11)",
        "user_id": "auth0|alice",
        "user_name": "alice@example.test",
        "connection": "Username-Password-Authentication",
    }


@pytest.mark.parametrize(
    ("log_id", "code"),
    [
        ("90020000000000000000000000000000", "inexistent_log"),
        ("nope", "inexistent_log"),
        ("1" * 300, "inexistent_log"),
        ("%00", "inexistent_resource"),  # no id holds a NUL: refused before any query
    ],
)
def test_unknown_event_is_404_in_auth0_shape(logs_api, events, log_id, code):
    assert_error(logs_api("GET", f"logs/{log_id}"), 404, code)


def test_another_tenants_events_are_never_visible(logs_api, events, other_tenant):
    # given
    theirs = factories.make_log_event(other_tenant, type="s", client_id="cid-web")

    # when
    listed = ids(logs_api("GET", "logs", query={"q": "client_id:cid-web"}))
    one = logs_api("GET", f"logs/{theirs.log_id}")
    after = ids(logs_api("GET", "logs", query={"from": "", "take": 100}))

    # then
    assert theirs.log_id not in listed
    assert theirs.log_id not in after
    assert len(after) == len(events)
    assert_error(one, 404, "inexistent_log")


def test_page_per_page_and_totals(logs_api, events):
    # when
    page1 = logs_api("GET", "logs", query={"page": 1, "per_page": 4})
    totals = logs_api("GET", "logs", query={"page": 1, "per_page": 4, "include_totals": "true"})

    # then
    assert ids(page1) == [events[1].log_id, events[0].log_id]
    body = totals.json()
    assert set(body) == {"logs", "start", "limit", "length", "total"}
    assert (body["start"], body["limit"], body["length"], body["total"]) == (4, 4, 2, 6)
    assert [e["log_id"] for e in body["logs"]] == ids(page1)


@pytest.mark.parametrize(
    ("query", "field"),
    [({"per_page": 101}, "per_page"), ({"per_page": 0}, "per_page"), ({"page": -1}, "page")],
)
def test_bad_paging_is_400(logs_api, events, query, field):
    error = assert_error(logs_api("GET", "logs", query=query), 400, "invalid_query_string")
    assert f"property {field}" in error["message"]


def test_sort_ascending_and_descending(logs_api, events):
    assert ids(logs_api("GET", "logs", query={"sort": "date:1"})) == [e.log_id for e in events]
    assert ids(logs_api("GET", "logs", query={"sort": "date:-1"})) == [e.log_id for e in reversed(events)]
    error = assert_error(logs_api("GET", "logs", query={"sort": "type:1"}), 400, "invalid_query_string")
    assert "sort" in error["message"]


def test_fields_include_and_exclude(logs_api, events):
    # when
    only = logs_api("GET", "logs", query={"fields": "log_id,type", "per_page": 2}).json()
    default_include = logs_api("GET", "logs", query={"fields": "type", "include_fields": "true"}).json()
    all_but = logs_api(
        "GET", "logs", query={"fields": "details,date,ip", "include_fields": "false", "sort": "date:1"}
    ).json()

    # then
    assert only == [
        {"log_id": events[5].log_id, "type": "sapi"},
        {"log_id": events[4].log_id, "type": "sepft"},
    ]
    assert {tuple(e) for e in default_include} == {("type",)}
    assert all_but[0] == {
        "log_id": events[0].log_id,
        "type": "seccft",
        "client_id": "cid-worker",
        "client_name": "Worker",
        "audience": "https://api.acme.test/",
        "scope": "read:items",
    }


def test_fields_with_an_invalid_name_is_400(logs_api, events):
    error = assert_error(logs_api("GET", "logs", query={"fields": "type,da te"}), 400, "invalid_query_string")
    assert "da te" in error["message"]


def test_checkpoint_paging_walks_forward_oldest_to_newest(logs_api, events):
    # when: from the first event, two at a time, ignoring q, sort and per_page
    seen, checkpoint = [], events[0].log_id
    while True:
        response = logs_api(
            "GET", "logs", query={"from": checkpoint, "take": 2, "q": "type:nothing", "sort": "date:-1"}
        )
        assert response.status_code == 200
        batch = response.json()
        assert isinstance(batch, list)
        if not batch:
            break
        seen += [e["log_id"] for e in batch]
        checkpoint = batch[-1]["log_id"]

    # then: every later event once, in order, the `from` itself excluded
    assert seen == [e.log_id for e in events[1:]]


def test_checkpoint_from_empty_starts_at_the_oldest_and_take_defaults_to_50(logs_api, events, tenant):
    # given
    for _ in range(50):
        factories.make_log_event(tenant, type="s")

    # when
    batch = logs_api("GET", "logs", query={"from": ""}).json()

    # then
    assert len(batch) == 50
    assert [e["log_id"] for e in batch[:6]] == [e.log_id for e in events]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"from": "abc"}, "from"), ({"from": "1", "take": 101}, "take"), ({"from": "1", "take": 0}, "take")],
)
def test_bad_checkpoint_is_400(logs_api, events, query, field):
    error = assert_error(logs_api("GET", "logs", query=query), 400, "invalid_query_string")
    assert f"property {field}" in error["message"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("type:fp", [2]),
        ('type:"fp"', [2]),
        ("type:s OR type:fp", [3, 2]),
        ("type:(s OR fp OR sapi)", [5, 3, 2]),
        ("client_id:cid-web AND NOT type:s", [4, 2]),
        ("client_id:cid-web -type:s", [4, 2]),
        ("client_id:cid-web type:s", [3]),  # juxtaposition is AND
        ("+client_id:cid-web +type:s", [3]),
        ('user_id:"auth0|alice"', [3, 2]),
        (r"user_id:auth0\|bob", [4]),
        ('audience:"https://api.acme.test/"', [4, 0]),
        ("ip:10.0.0.2", [1]),
        ('ip:"2001:db8::1"', [2]),
        ("ip:10.0.0.*", [1, 0]),
        ("user_name:bob@example.test", [4]),  # names ignore case
        ("user_name:ALI*", [3, 2]),
        ("user_id:*", [4, 3, 2]),
        ("NOT user_id:*", [5, 1, 0]),
        ('description:"Create a resource server"', [5]),
        ("date:[2026-03-15 TO 2026-03-15]", [3, 2]),  # whole UTC days, both ends included
        ("date:{2026-03-14 TO 2026-03-16}", [3, 2]),  # exclusive ends skip the bounding days
        ("date:[2026-03-15 TO *]", [5, 4, 3, 2]),
        ("date:[* TO 2026-02-10]", [1, 0]),
        ("date:2026-03-16", [4]),
        ("date:>=2026-03-16", [5, 4]),
        ("date:<2026-02-10", [0]),
        ('date:["2026-03-15T12:00:00Z" TO "2026-03-16T00:00:00Z"]', [4, 3]),
        ("date:[2026-01-01 TO 2026-12-31] AND (type:fp OR type:feccft)", [2, 1]),
        ("web", [4, 3, 2]),  # no field: prefix of client_name, connection or user_name
        ("type:nothing", []),
        ("", [5, 4, 3, 2, 1, 0]),
    ],
)
def test_q_filters(logs_api, events, q, expected):
    assert ids(logs_api("GET", "logs", query={"q": q})) == [events[i].log_id for i in expected]


def test_search_is_a_synonym_of_q(logs_api, events):
    assert ids(logs_api("GET", "logs", query={"search": "type:fp"})) == [events[2].log_id]


def test_q_combines_with_paging_sort_fields_and_totals(logs_api, events):
    # when
    body = logs_api(
        "GET",
        "logs",
        query={
            "q": "client_id:cid-web",
            "sort": "date:1",
            "per_page": 2,
            "page": 1,
            "include_totals": "true",
            "fields": "type",
        },
    ).json()

    # then
    assert body == {"logs": [{"type": "sepft"}], "start": 2, "limit": 2, "length": 1, "total": 3}


@pytest.mark.parametrize(
    ("q", "says"),
    [
        ("type:", "not valid query syntax"),
        ("type:s AND", "not valid query syntax"),
        ("(type:s", "not valid query syntax"),
        ('type:"s', "not valid query syntax"),
        ("password:x", 'unknown field "password"'),
        ("details.request.client_secret:x", 'unknown field "details.request.client_secret"'),
        ("type:s~2", "unsupported syntax"),
        ("type:s^2", "unsupported syntax"),
        ("type:/s.*/", "unsupported syntax"),
        ('type:"a b"~3', "unsupported syntax"),
        ("type:s*p", "only a trailing *"),
        ("type:[a TO b]", "ranges are on date only"),
        ("date:yesterday", 'invalid date "yesterday"'),
        ("date:[2026-13-01 TO *]", 'invalid date "2026-13-01"'),
        ("date:[0001-01-01 TO 9999-12-31]", "out of range"),
        ("*", "lone *"),
        ("type:(client_id:x)", "nests field"),
        ("type:s\x00", "Null characters"),
        ("(" * 30 + "type:s" + ")" * 30, "nests deeper"),
        (" OR ".join(f"type:t{n}" for n in range(60)), "more than 50 terms"),
        ("type:s OR " * 300 + "type:s", "longer than 2000"),
    ],
)
def test_malformed_or_unknown_q_is_400_naming_the_problem(logs_api, events, q, says):
    error = assert_error(logs_api("GET", "logs", query={"q": q}), 400, "invalid_query_string")
    assert says in error["message"], error


@pytest.mark.parametrize(
    "q",
    [
        'type:"s\' OR 1=1 --"',
        "client_id:'; DROP TABLE logs_logevent; --",
        'user_id:"%" OR user_name:"_%"',
        r"ip:\\\\\\",
        "type:\u202e\ud7ff\uffff",
        "(" * 2000,
        ")" * 2000,
        "[" * 500 + "]" * 500,
        "NOT NOT NOT NOT NOT type:s",
        '"' * 1999,
    ],
)
def test_hostile_q_is_never_a_500(logs_api, events, q):
    response = logs_api("GET", "logs", query={"q": q})
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 200:
        assert ids(response) == [] or q.startswith("NOT")
    else:
        assert response.json()["errorCode"] == "invalid_query_string"


def test_like_wildcards_in_values_match_literally(logs_api, events, tenant):
    # given
    factories.make_log_event(tenant, type="s", user_name="100%_sure")

    # then
    assert len(ids(logs_api("GET", "logs", query={"q": 'user_name:"100%_sure"'}))) == 1
    assert ids(logs_api("GET", "logs", query={"q": "user_name:%*"})) == []


@pytest.mark.parametrize("path", ["logs", "logs/9002"])
def test_needs_read_logs(client, tenant, events, path):
    # given: every management scope but read:logs
    token = quiet_token_for(tenant, [s for s in MANAGEMENT_SCOPES if s != "read:logs"])

    # when
    response = ManagementApi(client, tenant.slug, token)("GET", path)

    # then
    assert_error(response, 403, "insufficient_scope")
    assert "read:logs" in response.json()["message"]


def test_another_tenants_token_is_401(client, tenant, other_tenant, events):
    token = quiet_token_for(other_tenant, MANAGEMENT_SCOPES)
    assert_error(ManagementApi(client, tenant.slug, token)("GET", "logs"), 401, "invalid_token")


def test_no_token_is_401(client, tenant, events):
    assert_error(ManagementApi(client, tenant.slug, None)("GET", "logs"), 401, "invalid_token")


def _user_token_signed_by_the_tenant(tenant, scope: str) -> str:
    """What no flow issues (a user's token carrying read:logs), signed with the tenant's own key."""
    key = signing_key_current(tenant=tenant, alg="RS256")
    now = int(time.time())
    claims = {
        "iss": tenant.issuer,
        "sub": "auth0|alice",
        "aud": tenant.management_audience,
        "azp": "some-spa",
        "iat": now,
        "exp": now + 60,
        "scope": scope,
    }
    private = load_private_key(key.kid, key.private_key_encrypted)
    return jwt.encode(claims, private, algorithm="RS256", headers={"kid": key.kid})


def test_a_users_token_is_403(client, tenant, events, password_app, end_user):
    # given: a user's own token for the management audience (a password grant), and a forged one
    # that even carries read:logs
    response = client.post(
        f"/{tenant.slug}/oauth/token",
        {
            "grant_type": "password",
            "username": end_user.email,
            "password": factories.DEFAULT_PASSWORD,
            "audience": tenant.management_audience,
            "scope": "read:logs read:current_user",
            **password_app.creds,
        },
    )
    assert response.status_code == 200, response.content
    tokens = [response.json()["access_token"], _user_token_signed_by_the_tenant(tenant, "read:logs")]

    for token in tokens:
        # when
        listed = ManagementApi(client, tenant.slug, token)("GET", "logs")
        one = ManagementApi(client, tenant.slug, token)("GET", f"logs/{events[0].log_id}")

        # then
        for refused in (listed, one):
            assert_error(refused, 403, "insufficient_scope")
            assert "administrative" in refused.json()["message"]
