"""tenants 0005: the absolute session lifetime goes from whole hours to minutes with the same value,
and an idle lifetime kept in auth0_extra becomes the column that takes effect."""

import pytest

from tests.migrating import migrate_to, migrate_to_latest

BEFORE = [("tenants", "0004_custom_domains")]
AFTER = [("tenants", "0005_session_lifetimes_in_minutes")]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _back_to_the_latest():
    yield
    migrate_to_latest()


def test_hours_become_minutes_and_the_kept_idle_lifetime_takes_effect():
    # given: tenants as they were stored before
    old = migrate_to(BEFORE).get_model("tenants", "Tenant")
    old.objects.create(slug="hours", session_lifetime=24, auth0_extra={"support_email": "s@x.test"})
    old.objects.create(
        slug="minutes", session_lifetime=72, auth0_extra={"idle_session_lifetime_in_minutes": 90, "x": 1}
    )
    old.objects.create(slug="in-hours", session_lifetime=168, auth0_extra={"idle_session_lifetime": 1.5})

    # when
    new = migrate_to(AFTER).get_model("tenants", "Tenant")

    # then
    assert sorted(
        new.objects.values_list("slug", "session_lifetime_in_minutes", "idle_session_lifetime_in_minutes")
    ) == [("hours", 1440, 4320), ("in-hours", 10080, 90), ("minutes", 4320, 90)]
    assert dict(new.objects.values_list("slug", "auth0_extra")) == {
        "hours": {"support_email": "s@x.test"},
        "minutes": {"x": 1},
        "in-hours": {},
    }
