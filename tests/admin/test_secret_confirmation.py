"""Rotate an HS256 API's secret in the admin: a confirmation page with the grace period, then the rotation.

SPEC sections 4 and 6. The first POST (the changelist's action) answers with a page that says what will
happen and asks for the grace period, changing nothing; the page's form, posted back, rotates.
"""

import datetime as dt

import pytest
from django.contrib import messages
from django.utils import timezone

from apis.admin import secret_state, secret_state_field
from apis.models import ResourceServer
from apis.services import resource_server_rotate_secret
from tests import factories
from tests.admin.changelist import action_body
from tests.admin.confirmation import confirmation_fields, confirming_body, leveled_messages

URL = "/admin/apis/resourceserver/"


def _stored(api) -> tuple:
    row = ResourceServer.objects.get(pk=api.pk)
    return (
        row.signing_alg,
        row.signing_secret_encrypted,
        row.previous_signing_secret_encrypted,
        row.previous_signing_secret_expires_at,
    )


def _utc(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S} UTC"


def test_rotate_secret_shows_what_happens_and_changes_nothing(staff_client, hs256_api, rs256_api):
    # given
    before = (_stored(hs256_api), _stored(rs256_api))
    masked = f"…{hs256_api.signing_secret[-4:]}"
    # when
    resp = staff_client.post(URL, action_body("rotate_signing_secret", hs256_api.pk, rs256_api.pk))
    # then
    assert resp.status_code == 200
    assert resp.templates[0].name == "admin/apis/resourceserver/rotate_secret_confirmation.html"
    assert [(p.api, p.current_masked, p.replaced_previous_masked) for p in resp.context["applicable"]] == [
        (hs256_api, masked, "")
    ]
    assert resp.context["not_applicable"] == [rs256_api]
    page = " ".join(resp.content.decode().split())
    assert (
        f"Acme HS API <code>https://hs.acme.test/</code> (acme): new tokens are signed with a new secret as soon "
        f"as you confirm. The old secret <code>{masked}</code> keeps verifying for the grace period below, counted from then: "
        f"with the default 3600 s, until about {resp.context['default_until']:%Y-%m-%d %H:%M:%S} UTC; with 0 it "
        "is dropped at once, and tokens signed with it stop verifying immediately."
    ) in page
    assert (
        "Acme API <code>https://api.acme.test/</code> (acme) signs with RS256, not HS256: it has no secret to rotate."
    ) in page
    assert hs256_api.signing_secret not in page
    fields = confirmation_fields(resp)
    assert fields["grace_seconds"] == ["3600"]
    assert (fields["action"], fields["post"]) == (["rotate_signing_secret"], ["yes"])
    assert sorted(fields["_selected_action"]) == sorted([str(hs256_api.pk), str(rs256_api.pk)])
    assert (_stored(hs256_api), _stored(rs256_api)) == before


@pytest.mark.parametrize(
    ("grace", "kept_for"),
    [("3600", 3600), ("", 3600), ("600", 600)],
    ids=["default_case", "empty_means_default_case", "chosen_case"],
)
def test_confirming_rotates_and_keeps_the_old_secret_for_the_grace(staff_client, hs256_api, grace, kept_for):
    # given
    old_secret = hs256_api.signing_secret
    page = staff_client.post(URL, action_body("rotate_signing_secret", hs256_api.pk))
    # when
    started = timezone.now()
    resp = staff_client.post(URL, confirming_body(page, grace_seconds=grace))
    # then
    assert resp.status_code == 302
    hs256_api.refresh_from_db()
    expires = hs256_api.previous_signing_secret_expires_at
    assert hs256_api.signing_secret != old_secret
    assert hs256_api.previous_signing_secret == old_secret
    assert (
        started + dt.timedelta(seconds=kept_for) <= expires <= timezone.now() + dt.timedelta(seconds=kept_for)
    )
    assert leveled_messages(resp) == [
        (
            messages.SUCCESS,
            f"Rotated the signing secret of https://hs.acme.test/ (acme): new tokens are signed with "
            f"…{hs256_api.signing_secret[-4:]} from now on; the old secret …{old_secret[-4:]} verifies until "
            f"{_utc(expires)}.",
        )
    ]


def test_confirming_with_zero_grace_drops_the_old_secret_at_once(staff_client, hs256_api):
    # given
    old_secret = hs256_api.signing_secret
    page = staff_client.post(URL, action_body("rotate_signing_secret", hs256_api.pk))
    # when
    resp = staff_client.post(URL, confirming_body(page, grace_seconds="0"))
    # then
    assert resp.status_code == 302
    hs256_api.refresh_from_db()
    assert hs256_api.signing_secret != old_secret
    assert (hs256_api.previous_signing_secret, hs256_api.previous_signing_secret_expires_at) == ("", None)
    assert leveled_messages(resp) == [
        (
            messages.SUCCESS,
            f"Rotated the signing secret of https://hs.acme.test/ (acme): new tokens are signed with "
            f"…{hs256_api.signing_secret[-4:]} from now on; the old secret …{old_secret[-4:]} was dropped at once "
            "(grace 0): tokens signed with it no longer verify.",
        )
    ]


@pytest.mark.parametrize(
    ("grace", "error"),
    [
        ("-1", "The grace period cannot be negative: 0 drops the old secret at once."),
        ("99999999999999", "The grace period is too long: it ends beyond the dates Authport can store."),
        ("soon", "Enter a whole number."),
    ],
    ids=["negative_case", "beyond_any_date_case", "not_a_number_case"],
)
def test_an_invalid_grace_is_a_form_error_and_changes_nothing(staff_client, hs256_api, grace, error):
    # given
    before = _stored(hs256_api)
    page = staff_client.post(URL, action_body("rotate_signing_secret", hs256_api.pk))
    # when
    resp = staff_client.post(URL, confirming_body(page, grace_seconds=grace))
    # then
    assert resp.status_code == 200
    assert resp.context["form"].errors == {"grace_seconds": [error]}
    assert confirmation_fields(resp)["grace_seconds"] == [grace]
    assert leveled_messages(resp) == []
    assert _stored(hs256_api) == before


def test_a_previous_secret_still_in_its_grace_is_shown_as_replaced(staff_client, hs256_api):
    # given
    resource_server_rotate_secret(api=hs256_api, grace_seconds=600)
    hs256_api.refresh_from_db()
    # when
    resp = staff_client.post(URL, action_body("rotate_signing_secret", hs256_api.pk))
    # then
    [preview] = resp.context["applicable"]
    assert (preview.replaced_previous_masked, preview.replaced_previous_expires_at) == (
        f"…{hs256_api.previous_signing_secret[-4:]}",
        hs256_api.previous_signing_secret_expires_at,
    )
    assert (
        f"Its previous secret <code>…{hs256_api.previous_signing_secret[-4:]}</code>, which verifies until "
        f"{_utc(hs256_api.previous_signing_secret_expires_at)}, is dropped at once"
    ) in " ".join(resp.content.decode().split())


def test_a_confirmation_shown_before_another_rotation_rotates_nothing(staff_client, hs256_api):
    # given: the page is shown, then someone else rotates (or the form is submitted twice)
    page = staff_client.post(URL, action_body("rotate_signing_secret", hs256_api.pk))
    resource_server_rotate_secret(api=hs256_api, grace_seconds=3600)
    before = _stored(hs256_api)
    # when
    resp = staff_client.post(URL, confirming_body(page))
    # then
    assert resp.status_code == 302
    assert _stored(hs256_api) == before
    assert leveled_messages(resp) == [
        (
            messages.ERROR,
            "The signing secret of https://hs.acme.test/ (acme) was not rotated: the API changed after the "
            "confirmation page was shown (another rotation?). Rotating again would drop the secret that tokens in "
            "flight were signed with; review the API and rotate again if you still mean to.",
        )
    ]


def _forged_confirmation(*apis, grace: str = "3600") -> dict:
    """A hand-made confirming POST, with each API's current state as a page would carry it."""
    body = action_body("rotate_signing_secret", *(api.pk for api in apis), post="yes", grace_seconds=grace)
    body.pop("index")
    return {**body, **{secret_state_field(api): secret_state(api) for api in apis}}


def test_an_rs256_api_is_not_applicable_and_changes_nothing(superuser_client, rs256_api):
    # given
    before = _stored(rs256_api)
    # when
    page = superuser_client.post(URL, action_body("rotate_signing_secret", rs256_api.pk))
    forced = superuser_client.post(URL, _forged_confirmation(rs256_api))
    # then
    assert page.status_code == 200
    assert confirmation_fields(page) is None  # nothing to confirm
    assert (
        "None of the selected APIs signs with HS256: there is no secret to rotate." in page.content.decode()
    )
    assert forced.status_code == 302
    assert leveled_messages(forced) == [
        (
            messages.ERROR,
            "API https://api.acme.test/ signs with RS256, not HS256: it has no secret to rotate (rotate the "
            "tenant's signing keys instead).",
        )
    ]
    assert _stored(rs256_api) == before


@pytest.fixture
def their_hs256_api(other_tenant):
    return factories.make_api(
        other_tenant, identifier="https://hs.other.test/", name="Other HS", signing_alg="HS256"
    )


def test_staff_cannot_rotate_another_tenants_secret(staff_client, their_hs256_api):
    # given
    before = _stored(their_hs256_api)
    # when
    shown = staff_client.post(URL, action_body("rotate_signing_secret", their_hs256_api.pk))
    confirmed = staff_client.post(URL, _forged_confirmation(their_hs256_api))
    # then
    assert (shown.status_code, confirmed.status_code) == (302, 302)
    assert (
        leveled_messages(confirmed)
        == [
            (
                messages.WARNING,
                "None of the selected APIs is of a tenant you administer: nothing was rotated.",
            ),
        ]
        * 2
    )  # one per request: the first redirect was not followed
    assert _stored(their_hs256_api) == before


def test_another_tenants_api_slipped_into_a_confirmation_is_not_rotated(
    staff_client, hs256_api, their_hs256_api
):
    # given: a confirmation for their own API, with another tenant's HS256 API and its state added
    page = staff_client.post(URL, action_body("rotate_signing_secret", hs256_api.pk))
    body = confirming_body(page)
    body["_selected_action"].append(str(their_hs256_api.pk))
    body[secret_state_field(their_hs256_api)] = [secret_state(their_hs256_api)]
    theirs_before, own_before = _stored(their_hs256_api), _stored(hs256_api)
    # when
    resp = staff_client.post(URL, body)
    # then
    assert resp.status_code == 302
    assert _stored(their_hs256_api) == theirs_before
    assert _stored(hs256_api) != own_before  # their own API was rotated, as confirmed
    assert [(level, m.split(" (acme)")[0]) for level, m in leveled_messages(resp)] == [
        (messages.SUCCESS, "Rotated the signing secret of https://hs.acme.test/")
    ]
