"""Tenant settings' session lifetimes (SPEC section 5): Auth0's `session_lifetime` and
`idle_session_lifetime` in hours (a number) or `_in_minutes` (an integer), stored in minutes and
answered both ways."""

import pytest

from tenants.models import Tenant
from tests.management.conftest import assert_error


def test_lifetimes_in_minutes_round_trip(mgmt, tenant):
    # when
    patched = mgmt(
        "PATCH",
        "tenants/settings",
        {"session_lifetime_in_minutes": 90, "idle_session_lifetime_in_minutes": 30},
    )
    got = mgmt("GET", "tenants/settings")

    # then
    assert patched.status_code == 200, patched.content
    assert patched.json() == got.json()
    assert {k: v for k, v in got.json().items() if "session_lifetime" in k} == {
        "session_lifetime": 1.5,
        "session_lifetime_in_minutes": 90,
        "idle_session_lifetime": 0.5,
        "idle_session_lifetime_in_minutes": 30,
    }
    stored = Tenant.objects.get(pk=tenant.pk)
    assert (stored.session_lifetime_in_minutes, stored.idle_session_lifetime_in_minutes) == (90, 30)
    assert stored.auth0_extra == {}  # columns now, not kept-as-given extras


@pytest.mark.parametrize(
    ("body", "minutes"),
    [
        pytest.param({"session_lifetime": 24, "idle_session_lifetime": 2}, (1440, 120), id="whole-hours"),
        pytest.param({"session_lifetime": 1.5, "idle_session_lifetime": 0.25}, (90, 15), id="fractions"),
        pytest.param(
            {"session_lifetime": 2, "session_lifetime_in_minutes": 120}, (120, 4320), id="both-agreeing"
        ),
        pytest.param(
            # what a GET answers, sent back as it came (Authport's own export carries both forms)
            {"session_lifetime": 100 / 60, "session_lifetime_in_minutes": 100},
            (100, 4320),
            id="both-as-answered",
        ),
    ],
)
def test_lifetimes_in_hours_are_minutes(mgmt, tenant, body, minutes):
    # when
    response = mgmt("PATCH", "tenants/settings", body)

    # then
    assert response.status_code == 200, response.content
    stored = Tenant.objects.get(pk=tenant.pk)
    assert (stored.session_lifetime_in_minutes, stored.idle_session_lifetime_in_minutes) == minutes
    assert response.json()["session_lifetime_in_minutes"] == minutes[0]


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        pytest.param(
            {"session_lifetime": 1, "session_lifetime_in_minutes": 90},
            "session_lifetime_in_minutes",
            "Disagrees with session_lifetime (1 hours is 60 minutes)",
            id="pair-disagrees",
        ),
        pytest.param(
            {"idle_session_lifetime": 2, "idle_session_lifetime_in_minutes": 60},
            "idle_session_lifetime_in_minutes",
            "Disagrees with idle_session_lifetime",
            id="idle-pair-disagrees",
        ),
        pytest.param(
            {"session_lifetime_in_minutes": 0}, "session_lifetime_in_minutes", "", id="zero-minutes"
        ),
        pytest.param(
            {"idle_session_lifetime_in_minutes": 525601},
            "idle_session_lifetime_in_minutes",
            "",
            id="idle-over-a-year",
        ),
        pytest.param(
            {"session_lifetime_in_minutes": 90.5},
            "session_lifetime_in_minutes",
            "Expected type integer but found type number",
            id="minutes-not-integer",
        ),
        pytest.param(
            {"idle_session_lifetime": "72"},
            "idle_session_lifetime",
            "Expected type number but found type string",
            id="hours-as-string",
        ),
        pytest.param({"idle_session_lifetime": True}, "idle_session_lifetime", "", id="hours-as-boolean"),
        pytest.param(
            {"session_lifetime": 0.001}, "session_lifetime", "Must be between 1 minute", id="under-a-minute"
        ),
        pytest.param({"idle_session_lifetime": -3}, "idle_session_lifetime", "", id="negative-hours"),
    ],
)
def test_bad_lifetimes_are_400_and_change_nothing(mgmt, tenant, body, field, says):
    # when
    response = mgmt("PATCH", "tenants/settings", {"friendly_name": "Changed", **body})

    # then
    error = assert_error(response, 400, "invalid_body")
    assert f"on property {field}" in error["message"], error
    assert says in error["message"], error
    unchanged = Tenant.objects.get(pk=tenant.pk)
    assert (
        unchanged.friendly_name,
        unchanged.session_lifetime_in_minutes,
        unchanged.idle_session_lifetime_in_minutes,
    ) == ("Acme", 10080, 4320)
