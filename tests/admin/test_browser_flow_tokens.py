"""Authorization codes, refresh tokens and SSO sessions in the admin: read-only, hashes masked, scoped
to the staff user's tenants (SPEC section 6)."""

import pytest
from django.utils import timezone

from tests import factories
from tests.admin.changelist import action_body, messages_of
from tokens.models import AuthorizationCode, RefreshToken, SsoSession
from tokens.storage.codes import authorization_code_issue
from tokens.storage.refresh import new_family, refresh_token_issue
from tokens.storage.sso import sso_session_start

CODES = "/admin/tokens/authorizationcode/"
REFRESH = "/admin/tokens/refreshtoken/"
SESSIONS = "/admin/tokens/ssosession/"


def browser_rows(tenant, *, email: str = "alice@example.test") -> dict:
    """One code, one refresh token and one SSO session of `tenant`, made by the token endpoints' services."""
    client, _ = factories.make_client(
        tenant, name="Web", app_type="regular_web", grant_types=["authorization_code", "refresh_token"]
    )
    user = factories.make_user(tenant, email=email)
    now = timezone.now()
    authorization_code_issue(
        client=client,
        user=user,
        redirect_uri="https://web.example.test/callback",
        audience="https://api.acme.test/",
        scope=["openid"],
        nonce="n",
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        auth_time=now,
    )
    family = new_family()
    refresh_token_issue(
        client=client,
        user=user,
        audience="https://api.acme.test/",
        scope=["openid"],
        auth_time=now,
        family=family,
    )
    refresh_token_issue(
        client=client,
        user=user,
        audience="https://api.acme.test/",
        scope=["openid"],
        auth_time=now,
        family=family,
    )
    sso_session_start(tenant=tenant, user=user)
    return {
        "code": AuthorizationCode.objects.get(tenant=tenant),
        "refresh": RefreshToken.objects.filter(tenant=tenant).order_by("pk").first(),
        "session": SsoSession.objects.get(tenant=tenant),
    }


@pytest.fixture
def rows(tenant):
    return browser_rows(tenant)


ADMINS = [
    pytest.param(CODES, "code", ("code_hash", "code_challenge"), id="authorization_codes"),
    pytest.param(REFRESH, "refresh", ("token_hash",), id="refresh_tokens"),
    pytest.param(SESSIONS, "session", ("key_hash",), id="sso_sessions"),
]


@pytest.mark.parametrize(("url", "kind", "hashes"), ADMINS)
def test_hashes_are_masked_in_the_list_and_the_detail(staff_client, rows, url, kind, hashes):
    # given
    row = rows[kind]
    # when
    listing = staff_client.get(url)
    page = staff_client.get(f"{url}{row.pk}/change/")
    # then
    assert (listing.status_code, page.status_code) == (200, 200)
    assert row in listing.context["cl"].result_list
    for name in hashes:
        value = getattr(row, name)
        assert f"…{value[-4:]}" in page.content.decode()
        for resp in (listing, page):
            assert value not in resp.content.decode()


@pytest.mark.parametrize(("url", "kind", "hashes"), ADMINS)
def test_rows_cannot_be_added_changed_or_deleted(superuser_client, rows, url, kind, hashes):
    # given
    row = rows[kind]
    before = row.updated_at
    # when
    add = superuser_client.post(f"{url}add/", {"scope": "openid"})
    change = superuser_client.post(f"{url}{row.pk}/change/", {"scope": "openid profile"})
    delete = superuser_client.post(f"{url}{row.pk}/delete/", {"post": "yes"})
    # then
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    row.refresh_from_db()
    assert row.updated_at == before
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize(("url", "kind", "hashes"), ADMINS)
def test_staff_sees_only_their_tenants_rows(staff_client, rows, other_tenant, url, kind, hashes):
    # given
    foreign = browser_rows(other_tenant, email="olga@example.test")[kind]
    # when
    listing = staff_client.get(url)
    guessed = staff_client.get(f"{url}{foreign.pk}/change/")
    # then
    own = type(foreign).objects.filter(tenant=rows[kind].tenant)
    assert set(listing.context["cl"].result_list) == set(own)
    assert own.exists()
    assert guessed.status_code == 302
    assert any("doesn’t exist" in m for m in messages_of(guessed))


def test_revoking_a_family_revokes_all_its_tokens_and_nothing_else(
    superuser_client, tenant, rows, other_tenant
):
    # given: the other tenant's family, live too
    browser_rows(other_tenant, email="olga@example.test")
    first = rows["refresh"]
    others = RefreshToken.objects.exclude(family=first.family)
    assert others.count() == 2
    # when
    resp = superuser_client.post(REFRESH, action_body("revoke_families", first.pk))
    # then
    assert resp.status_code == 302
    assert messages_of(resp) == ["Revoked 1 refresh token families (2 live tokens)."]
    family = RefreshToken.objects.filter(family=first.family)
    assert family.count() == 2
    assert not family.filter(revoked_at__isnull=True).exists()
    assert not others.filter(revoked_at__isnull=False).exists()
