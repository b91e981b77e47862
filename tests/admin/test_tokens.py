"""Opaque access tokens in the admin: read-only, hash masked, scoped to the staff user's tenants."""

import datetime as dt

import pytest
from django.utils import timezone

from core.crypto import sha256_hex
from tests.conftest import App
from tests.factories import make_client, make_user
from tokens.models import OpaqueAccessToken

URL = "/admin/tokens/opaqueaccesstoken/"


def _token(app, end_user, raw: str) -> OpaqueAccessToken:
    # Stored as the token endpoint stores it; the admin only ever reads these rows.
    return OpaqueAccessToken.objects.create(
        tenant=app.client.tenant,
        client=app.client,
        user=end_user,
        token_hash=sha256_hex(raw),
        scope="openid",
        grant_type="password",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )


@pytest.fixture
def opaque_token(password_app, end_user):
    return _token(password_app, end_user, "authport_opaque_acme")


def test_the_token_hash_is_masked(staff_client, opaque_token):
    # when
    listing = staff_client.get(URL)
    page = staff_client.get(f"{URL}{opaque_token.pk}/change/")
    # then
    assert (listing.status_code, page.status_code) == (200, 200)
    assert list(listing.context["cl"].result_list) == [opaque_token]
    for resp in (listing, page):
        assert f"…{opaque_token.token_hash[-4:]}" in resp.content.decode()
        assert opaque_token.token_hash not in resp.content.decode()


def test_tokens_cannot_be_added_changed_or_deleted(superuser_client, opaque_token):
    # when
    add = superuser_client.post(f"{URL}add/", {"scope": "openid"})
    change = superuser_client.post(f"{URL}{opaque_token.pk}/change/", {"scope": "openid profile"})
    delete = superuser_client.post(f"{URL}{opaque_token.pk}/delete/", {"post": "yes"})
    # then
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    opaque_token.refresh_from_db()
    assert opaque_token.scope == "openid"


def test_staff_sees_only_their_tenants_tokens(staff_client, opaque_token, other_tenant):
    # given
    other_app = App(*make_client(other_tenant, name="Other app"))
    foreign = _token(other_app, make_user(other_tenant), "authport_opaque_other")
    # when
    listing = staff_client.get(URL)
    guessed = staff_client.get(f"{URL}{foreign.pk}/change/")
    # then
    assert list(listing.context["cl"].result_list) == [opaque_token]
    assert guessed.status_code == 302
