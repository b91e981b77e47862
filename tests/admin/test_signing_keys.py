"""Signing keys in the admin: read-only rows, rotate and revoke only through the services (SPEC section 4)."""

from django.contrib import messages

from tenants.models import SigningKey
from tests.admin.changelist import action_body, messages_of

URL = "/admin/tenants/signingkey/"


def _states(tenant) -> dict[str, str]:
    return dict(SigningKey.objects.filter(tenant=tenant).values_list("kid", "state"))


def _key(tenant, state: str) -> SigningKey:
    return SigningKey.objects.get(tenant=tenant, alg="RS256", state=state)


def test_signing_keys_cannot_be_added_changed_or_deleted(superuser_client, tenant):
    # given
    key = _key(tenant, "current")
    before = _states(tenant)
    # when
    add_get = superuser_client.get(f"{URL}add/")
    add_post = superuser_client.post(f"{URL}add/", {"kid": "forged", "alg": "RS256", "state": "current"})
    change_post = superuser_client.post(f"{URL}{key.pk}/change/", {"state": "revoked"})
    delete_post = superuser_client.post(f"{URL}{key.pk}/delete/", {"post": "yes"})
    # then
    assert [r.status_code for r in (add_get, add_post, change_post, delete_post)] == [403, 403, 403, 403]
    assert _states(tenant) == before


def test_the_key_page_is_read_only_and_never_shows_the_private_key(superuser_client, tenant):
    # given
    key = _key(tenant, "current")
    # when
    resp = superuser_client.get(f"{URL}{key.pk}/change/")
    # then
    assert resp.status_code == 200
    assert resp.context["adminform"].form.fields == {}
    page = resp.content.decode()
    assert key.kid in page
    assert key.private_key_encrypted not in page
    assert "private_key" not in page


def test_rotate_action_makes_the_next_key_current(staff_client, tenant):
    # given
    old_current, old_next = _key(tenant, "current"), _key(tenant, "next")
    # when
    resp = staff_client.post(URL, action_body("rotate_tenant_keys", old_current.pk))
    # then
    assert resp.status_code == 302
    assert _key(tenant, "current").kid == old_next.kid
    assert _key(tenant, "previous").kid == old_current.kid
    assert _key(tenant, "next").kid not in (old_current.kid, old_next.kid)
    assert any(old_next.kid in m for m in messages_of(resp))


def test_staff_cannot_rotate_another_tenants_keys(staff_client, other_tenant):
    # given
    before = _states(other_tenant)
    # when
    resp = staff_client.post(URL, action_body("rotate_tenant_keys", _key(other_tenant, "current").pk))
    # then
    assert resp.status_code == 302
    assert _states(other_tenant) == before


def test_revoking_a_current_key_is_refused_and_changes_nothing(superuser_client, tenant):
    # given
    current = _key(tenant, "current")
    before = _states(tenant)
    # when
    resp = superuser_client.post(URL, action_body("revoke_keys", current.pk))
    # then
    assert resp.status_code == 302
    errors = [str(m) for m in messages.get_messages(resp.wsgi_request) if m.level == messages.ERROR]
    [error] = errors  # the service's own message
    assert error.startswith("Only a previous key can be revoked")
    assert current.kid in error
    assert _states(tenant) == before


def test_revoking_a_previous_key_revokes_it(superuser_client, tenant):
    # given
    superuser_client.post(URL, action_body("rotate_tenant_keys", _key(tenant, "current").pk))
    previous = _key(tenant, "previous")
    # when
    resp = superuser_client.post(URL, action_body("revoke_keys", previous.pk))
    # then
    assert resp.status_code == 302
    previous.refresh_from_db()
    assert previous.state == "revoked"
    assert previous.revoked_at is not None
