"""The admin's log pages (SPEC section 9): a tenant's events, read-only, filtered, each with its
explanation; the API's and the application's pages link to their recent events."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from logs.models import LogEvent
from tenants.services import tenant_membership_add
from tests import factories

CHANGELIST = "/admin/logs/logevent/"


@pytest.fixture
def staff_client(client, django_user_model, tenant):
    """A staff member of tenant "acme" only."""
    user = django_user_model.objects.create_user("alice", "alice@example.test", "pw", is_staff=True)
    tenant_membership_add(tenant=tenant, user=user)
    client.force_login(user)
    return client


def listed(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [e.log_id for e in response.context["cl"].result_list]


def test_staff_see_their_tenants_events_newest_first_and_no_others(staff_client, events):
    assert listed(staff_client.get(CHANGELIST)) == [e.log_id for e in reversed(events)]


def test_another_tenants_event_is_not_found(staff_client, events, other_tenant):
    # given
    theirs = LogEvent.objects.get(tenant=other_tenant)

    # when
    response = staff_client.get(f"{CHANGELIST}{theirs.pk}/change/")
    by_tenant = staff_client.get(CHANGELIST, {"tenant": other_tenant.pk})

    # then: Django's "does not exist" redirect, and a tenant filter that finds nothing
    assert response.status_code == 302
    assert listed(by_tenant) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type": "fp"}, [2]),
        ({"client_id": "cid-web"}, [4, 3, 2]),
        ({"user_id": "auth0|alice"}, [3, 2]),
        ({"audience": "https://api.acme.test/"}, [4, 0]),
        ({"date__gte": "2026-03-15 00:00:00+00:00", "date__lt": "2026-03-16 00:00:00+00:00"}, [3, 2]),
        ({"client_id": "cid-web", "type": "sepft"}, [4]),
        ({"q": "nope"}, []),
    ],
)
def test_filters(staff_client, events, query, expected):
    assert listed(staff_client.get(CHANGELIST, query)) == [events[i].log_id for i in expected]


def test_search_by_log_id(staff_client, events):
    assert listed(staff_client.get(CHANGELIST, {"q": events[1].log_id})) == [events[1].log_id]


def test_filter_choices_name_applications_and_users_of_the_tenant_only(staff_client, events, other_tenant):
    # given
    factories.make_log_event(
        other_tenant, client_id="cid-secret", client_name="Their app", user_id="auth0|eve"
    )

    # when
    page = staff_client.get(CHANGELIST).content.decode()

    # then
    assert "Web App (cid-web)" in page
    assert "alice@example.test (auth0|alice)" in page
    assert "fp: Failed Login (Incorrect Password)" in page
    assert "cid-secret" not in page
    assert "auth0|eve" not in page


def test_an_event_page_shows_its_explanation(staff_client, tenant):
    # given
    event = factories.make_log_event(
        tenant,
        type="feccft",
        client_id="cid-worker",
        details={
            "explanation": {
                "outcome": {"error": "access_denied", "status": 403},
                "steps": [
                    {"step": "audience", "detail": "The request asks for https://api.acme.test"},
                    {"step": "client grant", "detail": "No API has the identifier https://api.acme.test"},
                ],
                "summary": "Refused: no API <b>https://api.acme.test</b>",
                "fix": "Did you mean https://api.acme.test/ (with the trailing slash)?",
            },
            "request": {"grant_type": "client_credentials", "audience": "https://api.acme.test"},
        },
    )

    # when
    page = staff_client.get(f"{CHANGELIST}{event.pk}/change/")

    # then
    assert page.status_code == 200
    html = page.content.decode()
    assert "<strong>Refused: no API &lt;b&gt;https://api.acme.test&lt;/b&gt;</strong>" in html
    assert "Fix: Did you mean https://api.acme.test/ (with the trailing slash)?" in html
    assert "<li><strong>client grant</strong>: No API has the identifier https://api.acme.test</li>" in html
    assert '<th scope="row">error</th><td>access_denied</td>' in html
    assert "feccft (Failed Exchange (Client Credentials for Access Token))" in html
    assert "&quot;grant_type&quot;: &quot;client_credentials&quot;" in html
    assert 'name="_save"' not in html  # read-only: no save button


def test_an_event_without_explanation_says_so(staff_client, tenant):
    event = factories.make_log_event(tenant, type="sapi", details={"explanation": "not a dict"})
    assert (
        "This event records no explanation."
        in staff_client.get(f"{CHANGELIST}{event.pk}/change/").content.decode()
    )


def test_events_are_never_added_changed_or_deleted(staff_client, an_event):
    event = an_event
    assert staff_client.get(f"{CHANGELIST}add/").status_code == 403
    assert staff_client.post(f"{CHANGELIST}{event.pk}/change/", {"type": "s"}).status_code == 403
    assert staff_client.post(f"{CHANGELIST}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert LogEvent.objects.get(pk=event.pk).type == "fp"


@pytest.fixture
def an_event(tenant):
    return factories.make_log_event(tenant, type="fp")


@pytest.mark.parametrize(
    "query", [{"type": "f\x00"}, {"client_id": "\x00"}, {"audience": "a\x00"}, {"q": "\x00"}]
)
def test_nul_in_the_query_is_400(staff_client, events, query):
    assert staff_client.get(CHANGELIST, query).status_code == 400


def test_an_apis_page_links_to_its_recent_events(staff_client, tenant, events):
    # given
    api = factories.make_api(tenant, identifier="https://api.acme.test/", name="Acme API")

    # when
    page = staff_client.get(reverse("admin:apis_resourceserver_change", args=[api.pk])).content.decode()

    # then
    link = f"{CHANGELIST}?{urlencode({'tenant': tenant.pk, 'audience': api.identifier})}"
    assert f'href="{link.replace("&", "&amp;")}"' in page
    assert f'href="{CHANGELIST}{events[4].pk}/change/"' in page
    assert f'href="{CHANGELIST}{events[0].pk}/change/"' in page
    assert f'href="{CHANGELIST}{events[2].pk}/change/"' not in page  # another audience
    assert listed(staff_client.get(link)) == [events[4].log_id, events[0].log_id]


def test_an_applications_page_links_to_its_recent_events(staff_client, tenant, events):
    # given
    app, _ = factories.make_client(tenant, name="Web App")
    mine = factories.make_log_event(tenant, type="s", client_id=app.client_id, client_name="Web App")

    # when
    page = staff_client.get(reverse("admin:clients_client_change", args=[app.pk])).content.decode()

    # then
    link = f"{CHANGELIST}?{urlencode({'tenant': tenant.pk, 'client_id': app.client_id})}"
    assert f'href="{link.replace("&", "&amp;")}"' in page
    assert f'href="{CHANGELIST}{mine.pk}/change/"' in page
    assert f'href="{CHANGELIST}{events[2].pk}/change/"' not in page
    assert listed(staff_client.get(link)) == [mine.log_id]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # an instant bound is exact: an event at the bound is in, one a microsecond before it is out
        ({"date__gte": "2026-03-15 08:30:00+00:00"}, [5, 4, 3, 2]),
        ({"date__gte": "2026-03-15 08:30:00.000001+00:00"}, [5, 4, 3]),
        ({"date__lt": "2026-03-15 08:30:00+00:00"}, [1, 0]),
        ({"date__lt": "2026-03-15 08:30:00.000001+00:00"}, [2, 1, 0]),
        # a date alone is its midnight, in the admin's time zone (UTC here)
        ({"date__gte": "2026-02-10", "date__lt": "2026-03-15"}, [1]),
        ({"date__gte": "2027-01-01"}, []),
    ],
)
def test_the_date_filter_bounds_events_exactly(staff_client, events, query, expected):
    assert listed(staff_client.get(CHANGELIST, query)) == [events[i].log_id for i in expected]


def test_the_date_filter_reads_log_ids_not_dates(staff_client, events):
    # given
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # when
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(
            CHANGELIST, {"date__gte": "2026-03-15 00:00:00+00:00", "date__lt": "2026-03-16 00:00:00+00:00"}
        )

    # then: the page's query bounds log_id (the (tenant, log_id) index), never the unindexed date
    assert listed(response) == [events[3].log_id, events[2].log_id]
    sqls = [q["sql"] for q in queries.captured_queries if "logs_logevent" in q["sql"]]
    assert any('"logs_logevent"."log_id" >=' in sql and '"logs_logevent"."log_id" <' in sql for sql in sqls)
    assert not any('"logs_logevent"."date" >' in sql or '"logs_logevent"."date" <' in sql for sql in sqls)


@pytest.mark.parametrize("value", ["yesterday", "2026-13-45", "2026-03-15T99:00"])
def test_a_bad_date_in_the_filter_is_the_admins_error_page_not_a_500(staff_client, events, value):
    # when
    response = staff_client.get(CHANGELIST, {"date__gte": value})
    # then: Django's answer to a bad lookup, a redirect to the unfiltered list flagged with e=1
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
