"""Rotate and revoke signing keys in the admin: a confirmation page first, the change only once confirmed.

SPEC sections 4 and 6. The first POST (the changelist's action) answers with a page that says what will
happen and changes nothing; the page's form posts the action back with post=yes, which performs it.
"""

import datetime as dt

import pytest
from django.contrib import messages
from django.utils import timezone

from tenants.models import SigningKey
from tenants.services import signing_key_revoke, signing_keys_rotate
from tests import factories
from tests.admin.changelist import action_body
from tests.admin.confirmation import confirmation_fields, confirming_body, leveled_messages

KEYS_URL = "/admin/tenants/signingkey/"
TENANTS_URL = "/admin/tenants/tenant/"


def _states(tenant) -> dict[str, str]:
    return dict(SigningKey.objects.filter(tenant=tenant).values_list("kid", "state"))


def _key(tenant, state: str, alg: str = "RS256") -> SigningKey:
    return SigningKey.objects.get(tenant=tenant, alg=alg, state=state)


def _publish_long_ago(tenant) -> None:
    """As if the keys had been in the JWKS for an hour, longer than any cached copy (max-age 300 s)."""
    SigningKey.objects.filter(tenant=tenant).update(created_at=timezone.now() - dt.timedelta(hours=1))


# Rotate


def test_rotate_shows_which_kid_becomes_current_and_changes_nothing(staff_client, tenant):
    # given
    _publish_long_ago(tenant)
    current, upcoming = _key(tenant, "current"), _key(tenant, "next")
    before = _states(tenant)
    # when
    resp = staff_client.post(KEYS_URL, action_body("rotate_tenant_keys", current.pk))
    # then
    assert resp.status_code == 200
    assert resp.templates[0].name == "admin/tenants/signingkey/rotate_confirmation.html"
    [preview] = resp.context["previews"]
    assert preview.tenant == tenant
    assert [(c.alg, c.current.kid, c.next.kid, c.previous) for c in preview.chains] == [
        ("RS256", current.kid, upcoming.kid, ())
    ]
    assert preview.chains[0].next_recently_published is False
    page = resp.content.decode()
    assert f"Current key <code>{current.kid}</code> becomes <strong>previous</strong>" in page
    assert "the tokens it signed keep verifying, since it stays in the JWKS until you revoke it" in page
    assert f"Next key <code>{upcoming.kid}</code> becomes <strong>current</strong>" in page
    assert "It is already published in the JWKS" in page
    assert "A new <strong>next</strong> key is generated and published" in page
    assert "published only" not in page
    fields = confirmation_fields(resp)
    assert fields.pop("csrfmiddlewaretoken") != [""]
    assert fields == {
        "_selected_action": [str(current.pk)],
        f"rotation_state_{tenant.pk}": [f"RS256:{current.kid}:{upcoming.kid}"],
        "action": ["rotate_tenant_keys"],
        "post": ["yes"],
    }
    assert _states(tenant) == before


def test_confirming_the_rotation_rotates_and_reports_old_and_new_kids(staff_client, tenant):
    # given
    old_current, old_next = _key(tenant, "current"), _key(tenant, "next")
    page = staff_client.post(KEYS_URL, action_body("rotate_tenant_keys", old_current.pk))
    # when
    resp = staff_client.post(KEYS_URL, confirming_body(page))
    # then
    assert resp.status_code == 302
    new_next = _key(tenant, "next")
    assert (_key(tenant, "previous").kid, _key(tenant, "current").kid) == (old_current.kid, old_next.kid)
    assert new_next.kid not in (old_current.kid, old_next.kid)
    assert leveled_messages(resp) == [
        (
            messages.SUCCESS,
            f"Rotated the signing keys of acme: tokens are now signed RS256 with {old_next.kid[:10]}….",
        )
    ]


def test_rotate_lists_every_chain_and_keeps_earlier_previous_keys_published(superuser_client, tenant):
    # given: an ES256 chain beside the RS256 one, both rotated once already
    factories.make_api(tenant, identifier="https://es.acme.test/", name="ES", signing_alg="ES256")
    signing_keys_rotate(tenant=tenant)
    earlier_previous = _key(tenant, "previous")
    earlier_es_previous = _key(tenant, "previous", "ES256")
    before = _states(tenant)
    # when
    resp = superuser_client.post(KEYS_URL, action_body("rotate_tenant_keys", _key(tenant, "current").pk))
    # then
    [preview] = resp.context["previews"]
    assert [(c.alg, c.current.kid, c.next.kid, [k.kid for k in c.previous]) for c in preview.chains] == [
        (
            "ES256",
            _key(tenant, "current", "ES256").kid,
            _key(tenant, "next", "ES256").kid,
            [earlier_es_previous.kid],
        ),
        ("RS256", _key(tenant, "current").kid, _key(tenant, "next").kid, [earlier_previous.kid]),
    ]
    assert f"Earlier previous key\n      <code>{earlier_previous.kid}</code>\n      stays published" in (
        resp.content.decode()
    )
    assert _states(tenant) == before


def test_rotate_warns_when_the_next_key_was_published_less_than_a_jwks_lifetime_ago(staff_client, tenant):
    # given: the tenant was just provisioned, so its next key appeared in the JWKS moments ago
    upcoming = _key(tenant, "next")
    # when
    resp = staff_client.post(KEYS_URL, action_body("rotate_tenant_keys", upcoming.pk))
    # then
    [chain] = resp.context["previews"][0].chains
    assert chain.next_recently_published is True
    assert "less than the\n      JWKS cache lifetime (300 s)" in resp.content.decode()
    assert f"Waiting {chain.seconds_until_safe} s more avoids that." in resp.content.decode()


def test_a_confirmation_shown_before_another_rotation_rotates_nothing(staff_client, tenant):
    # given: the page is shown, then someone else rotates (or the form is submitted twice)
    page = staff_client.post(KEYS_URL, action_body("rotate_tenant_keys", _key(tenant, "current").pk))
    signing_keys_rotate(tenant=tenant)
    before = _states(tenant)
    # when
    resp = staff_client.post(KEYS_URL, confirming_body(page))
    # then
    assert resp.status_code == 302
    assert _states(tenant) == before
    assert leveled_messages(resp) == [
        (
            messages.ERROR,
            "The signing keys of acme were not rotated: they changed after the confirmation page was shown "
            "(another rotation?). Rotating again now could promote a key that verifiers have not fetched yet; "
            "review the keys and rotate again if you still mean to.",
        )
    ]


def test_the_tenant_rotate_action_confirms_then_rotates(staff_client, tenant):
    # given
    old_current, old_next = _key(tenant, "current"), _key(tenant, "next")
    before = _states(tenant)
    # when
    page = staff_client.post(TENANTS_URL, action_body("rotate_signing_keys", tenant.pk))
    unchanged = _states(tenant)
    resp = staff_client.post(TENANTS_URL, confirming_body(page))
    # then
    assert page.status_code == 200
    assert confirmation_fields(page)["_selected_action"] == [str(tenant.pk)]
    assert f"Next key <code>{old_next.kid}</code> becomes <strong>current</strong>" in page.content.decode()
    assert unchanged == before
    assert resp.status_code == 302
    assert (_key(tenant, "previous").kid, _key(tenant, "current").kid) == (old_current.kid, old_next.kid)
    assert leveled_messages(resp) == [
        (
            messages.SUCCESS,
            f"Rotated the signing keys of acme: tokens are now signed RS256 with {old_next.kid[:10]}….",
        )
    ]


ROTATE_ACTIONS = pytest.mark.parametrize(
    ("url", "action"),
    [(KEYS_URL, "rotate_tenant_keys"), (TENANTS_URL, "rotate_signing_keys")],
    ids=["signing_keys_case", "tenants_case"],
)


def _rows(tenant, url) -> tuple[int, str]:
    """The row the action selects for `tenant` (its current key or the tenant) and its chains' state."""
    current, upcoming = _key(tenant, "current"), _key(tenant, "next")
    return (current.pk if url == KEYS_URL else tenant.pk), f"RS256:{current.kid}:{upcoming.kid}"


@ROTATE_ACTIONS
def test_staff_cannot_rotate_another_tenants_keys(staff_client, other_tenant, url, action):
    # given
    theirs, their_state = _rows(other_tenant, url)
    before = _states(other_tenant)
    # when: the action, and a forged confirmation of it
    shown = staff_client.post(url, action_body(action, theirs))
    forged = {**action_body(action, theirs, post="yes"), f"rotation_state_{other_tenant.pk}": their_state}
    forged.pop("index")
    confirmed = staff_client.post(url, forged)
    # then
    assert (shown.status_code, confirmed.status_code) == (302, 302)
    assert (
        leveled_messages(confirmed)
        == [
            (
                messages.WARNING,
                "None of the selected rows is of a tenant you administer: nothing was rotated.",
            ),
        ]
        * 2
    )  # one per request: the first redirect was not followed
    assert _states(other_tenant) == before


@ROTATE_ACTIONS
def test_another_tenants_row_slipped_into_a_confirmation_is_not_rotated(
    staff_client, tenant, other_tenant, url, action
):
    # given: a confirmation of their own tenant, with another tenant's row and its state added
    own, _ = _rows(tenant, url)
    theirs, their_state = _rows(other_tenant, url)
    page = staff_client.post(url, action_body(action, own))
    body = confirming_body(page)
    body["_selected_action"].append(str(theirs))
    body[f"rotation_state_{other_tenant.pk}"] = [their_state]
    theirs_before, own_before = _states(other_tenant), _states(tenant)
    # when
    resp = staff_client.post(url, body)
    # then
    assert resp.status_code == 302
    assert _states(other_tenant) == theirs_before
    assert _states(tenant) != own_before  # their own tenant was rotated, as confirmed
    assert [(level, m.split(":")[0]) for level, m in leveled_messages(resp)] == [
        (messages.SUCCESS, "Rotated the signing keys of acme")
    ]


# Revoke


@pytest.fixture
def chain(tenant):
    """An RS256 chain with a key of each state: revoked, previous, current, next."""
    signing_keys_rotate(tenant=tenant)
    revoked = signing_key_revoke(tenant=tenant, kid=_key(tenant, "previous").kid)
    signing_keys_rotate(tenant=tenant)
    return {
        "revoked": SigningKey.objects.get(pk=revoked.pk),
        "previous": _key(tenant, "previous"),
        "current": _key(tenant, "current"),
        "next": _key(tenant, "next"),
    }


def test_revoke_says_the_previous_key_stops_verifying_and_changes_nothing(staff_client, tenant, chain):
    # given
    before = _states(tenant)
    pks = [chain[state].pk for state in ("previous", "current", "next", "revoked")]
    # when
    resp = staff_client.post(KEYS_URL, action_body("revoke_keys", *pks))
    # then
    assert resp.status_code == 200
    assert resp.templates[0].name == "admin/tenants/signingkey/revoke_confirmation.html"
    assert [p.key.kid for p in resp.context["revocable"]] == [chain["previous"].kid]
    refused = {p.key.state: p.refusal for p in resp.context["refused"]}
    assert refused == {
        "current": "It is the current RS256 key of acme, which signs new tokens. Only a previous key can be "
        "revoked: rotate first, so that it becomes previous, then revoke it.",
        "next": "It is the next RS256 key of acme, published ahead so that verifiers know it before it signs; "
        "it has signed nothing yet and becomes current at the next rotation. Only a previous key can be revoked.",
        "revoked": f"It is already revoked on {timezone.localtime(chain['revoked'].revoked_at):%Y-%m-%d %H:%M:%S} UTC.",
    }
    page = " ".join(resp.content.decode().split())
    assert (
        "It leaves the JWKS, and the tokens signed with it stop verifying: at Authport (userinfo, the Management "
        "API, the token debugger) at once, and at other verifiers once their cached JWKS expires (Authport serves "
        "it with max-age 300 s)."
    ) in page
    assert "Cannot be revoked, left as they are" in page
    fields = confirmation_fields(resp)
    assert (fields["revoke_kid"], fields["action"], fields["post"]) == (
        [chain["previous"].kid],
        ["revoke_keys"],
        ["yes"],
    )
    assert sorted(fields["_selected_action"]) == sorted(str(pk) for pk in pks)
    assert _states(tenant) == before


def test_confirming_revokes_the_previous_key_and_reports_the_others_as_refused(staff_client, tenant, chain):
    # given
    previous, current = chain["previous"], chain["current"]
    page = staff_client.post(KEYS_URL, action_body("revoke_keys", previous.pk, current.pk))
    # when
    resp = staff_client.post(KEYS_URL, confirming_body(page))
    # then
    assert resp.status_code == 302
    previous.refresh_from_db()
    assert (previous.state, previous.revoked_at is not None) == ("revoked", True)
    assert _key(tenant, "current") == current
    assert leveled_messages(resp) == [
        (
            messages.SUCCESS,
            f"Revoked key {previous.kid} (RS256) of acme: it has left the JWKS. Authport refuses the tokens it "
            "signed from now on; other verifiers do once their cached JWKS expires (max-age 300 s).",
        ),
        (
            messages.ERROR,
            f"The key {current.kid} (RS256) of acme was not revoked. It is the current RS256 key of acme, which signs "
            "new tokens. Only a previous key can be revoked: rotate first, so that it becomes previous, then "
            "revoke it.",
        ),
    ]


def test_revoking_a_current_key_is_shown_as_not_revocable_and_changes_nothing(superuser_client, tenant):
    # given
    current = _key(tenant, "current")
    before = _states(tenant)
    # when
    page = superuser_client.post(KEYS_URL, action_body("revoke_keys", current.pk))
    forced = superuser_client.post(KEYS_URL, action_body("revoke_keys", current.pk, post="yes"))
    # then
    assert page.status_code == 200
    assert confirmation_fields(page) is None  # nothing to confirm
    assert [p.key for p in page.context["refused"]] == [current]
    assert "None of the selected keys can be revoked: only a previous key can." in page.content.decode()
    assert forced.status_code == 302
    assert [level for level, _ in leveled_messages(forced)] == [messages.ERROR]
    assert _states(tenant) == before


def test_a_key_that_became_previous_after_the_confirmation_is_not_revoked(staff_client, tenant, chain):
    # given: the page offers the previous key and shows the current one as not revocable;
    # then a rotation makes that current key previous too
    previous, current = chain["previous"], chain["current"]
    page = staff_client.post(KEYS_URL, action_body("revoke_keys", previous.pk, current.pk))
    signing_keys_rotate(tenant=tenant)
    # when
    resp = staff_client.post(KEYS_URL, confirming_body(page))
    # then
    assert resp.status_code == 302
    assert (_states(tenant)[previous.kid], _states(tenant)[current.kid]) == ("revoked", "previous")
    assert leveled_messages(resp)[1] == (
        messages.ERROR,
        f"The key {current.kid} (RS256) of acme was not revoked. It was not previous when the confirmation page "
        "was shown, so it was not among the keys you confirmed; select it again to revoke it.",
    )


def test_staff_cannot_revoke_another_tenants_key(staff_client, other_tenant):
    # given
    signing_keys_rotate(tenant=other_tenant)
    theirs = _key(other_tenant, "previous")
    before = _states(other_tenant)
    # when: a forged confirmation
    forged = {**action_body("revoke_keys", theirs.pk, post="yes"), "revoke_kid": theirs.kid}
    forged.pop("index")
    resp = staff_client.post(KEYS_URL, forged)
    # then
    assert resp.status_code == 302
    assert leveled_messages(resp) == [
        (messages.WARNING, "None of the selected keys is of a tenant you administer: nothing was revoked.")
    ]
    assert _states(other_tenant) == before


def test_another_tenants_key_slipped_into_a_confirmation_is_not_revoked(staff_client, other_tenant, chain):
    # given: a confirmation for their own previous key, with another tenant's previous key added
    signing_keys_rotate(tenant=other_tenant)
    theirs = _key(other_tenant, "previous")
    page = staff_client.post(KEYS_URL, action_body("revoke_keys", chain["previous"].pk))
    body = confirming_body(page)
    body["_selected_action"].append(str(theirs.pk))
    body["revoke_kid"].append(theirs.kid)
    theirs_before = _states(other_tenant)
    # when
    resp = staff_client.post(KEYS_URL, body)
    # then
    assert resp.status_code == 302
    assert _states(other_tenant) == theirs_before
    assert SigningKey.objects.get(pk=chain["previous"].pk).state == "revoked"
    assert [(level, m.split(":")[0]) for level, m in leveled_messages(resp)] == [
        (messages.SUCCESS, f"Revoked key {chain['previous'].kid} (RS256) of acme")
    ]


def test_a_key_revoked_by_someone_else_meanwhile_is_reported_as_refused(staff_client, tenant, chain):
    # given: the page offers the previous key, which is then revoked elsewhere
    previous = chain["previous"]
    page = staff_client.post(KEYS_URL, action_body("revoke_keys", previous.pk))
    signing_key_revoke(tenant=tenant, kid=previous.kid)
    before = _states(tenant)
    # when
    resp = staff_client.post(KEYS_URL, confirming_body(page))
    # then
    assert resp.status_code == 302
    assert _states(tenant) == before
    assert leveled_messages(resp) == [
        (
            messages.ERROR,
            f"The key {previous.kid} (RS256) of acme was not revoked: Only a previous key can be revoked: "
            f"key {previous.kid} is already revoked.",
        )
    ]
