"""Log ids sort by time, so the log's date order and date ranges walk the (tenant, log_id) index:
a date bound must select exactly the events a comparison of their dates would, to the microsecond."""

import datetime as dt

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 3, 15, 12, 0, 0, tzinfo=dt.UTC)
MICRO = dt.timedelta(microseconds=1)


@pytest.fixture
def around_noon(tenant):
    """Events one microsecond before, at and one microsecond after noon, oldest first."""
    return [factories.make_log_event(tenant, date=NOON + offset * MICRO, type="s") for offset in (-1, 0, 1)]


def listed(logs_api, q: str) -> list[str]:
    response = logs_api("GET", "logs", query={"q": q, "sort": "date:1"})
    assert response.status_code == 200, response.content
    return [event["log_id"] for event in response.json()]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('date:["2026-03-15T12:00:00Z" TO *]', [0, 1]),
        ('date:{"2026-03-15T12:00:00Z" TO *]', [1]),
        ('date:[* TO "2026-03-15T12:00:00Z"]', [-1, 0]),
        ('date:[* TO "2026-03-15T12:00:00Z"}', [-1]),
        ('date:"2026-03-15T12:00:00Z"', [0]),
        ('date:>="2026-03-15T12:00:00.000001Z"', [1]),
        ('date:<"2026-03-15T11:59:59.999999Z"', []),
        ("date:[2026-03-15 TO 2026-03-15]", [-1, 0, 1]),
        ("date:{2026-03-14 TO 2026-03-15}", []),
    ],
)
def test_date_bounds_are_exact_to_the_microsecond(logs_api, around_noon, q, expected):
    by_offset = dict(zip((-1, 0, 1), around_noon, strict=True))
    assert listed(logs_api, q) == [by_offset[i].log_id for i in expected]


def test_date_order_is_the_order_of_the_events_times(logs_api, tenant):
    # given: events stored out of time order, within one microsecond of each other
    stored = [factories.make_log_event(tenant, date=NOON + offset * MICRO, type="s") for offset in (2, 0, 1)]

    # when
    newest_first = logs_api("GET", "logs", query={"sort": "date:-1"}).json()

    # then
    dates = [event["date"] for event in newest_first]
    assert [event["log_id"] for event in newest_first] == [
        stored[0].log_id,
        stored[2].log_id,
        stored[1].log_id,
    ]
    assert dates == sorted(dates, reverse=True)


def test_a_date_past_the_ids_range_bounds_nothing_wrongly(logs_api, around_noon):
    # Ids hold 16 digits of microseconds (to the year 2286); a later bound still compares correctly.
    assert listed(logs_api, "date:[* TO 8999-01-01]") == [e.log_id for e in around_noon]
    assert listed(logs_api, "date:[8999-01-01 TO *]") == []
