"""Signing keys in the admin: read-only rows, rotate and revoke only through the services (SPEC section 4).

The rotate and revoke actions, with their confirmation pages, are in test_key_confirmations.py.
"""

from tenants.models import SigningKey

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
