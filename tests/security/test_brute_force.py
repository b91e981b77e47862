"""Brute-force protection (SPEC section 2, step 8), written as the attacks it stops: many passwords
for one user from one address, at the token endpoint, the login page and the admin login, under
every spelling of the email; plus unblocking through the Management API and the admin."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client as HttpClient

from accounts.selectors import user_find_by_email
from core.brute_force import BLOCKED_MESSAGE
from tests import factories
from tests.conftest import App
from tests.flows.conftest import parse_form
from tests.management.conftest import ManagementApi, assert_error, token_for

MAX = 10  # Auth0's default, and Authport's
ATTACKER_IP = "198.51.100.7"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_default_threshold_is_auth0s():
    assert settings.BRUTE_FORCE_MAX_ATTEMPTS == MAX


@pytest.fixture
def password_app(tenant) -> App:
    client, secret = factories.make_client(
        tenant,
        name="Web",
        app_type="regular_web",
        grant_types=["password", "http://auth0.com/oauth/grant-type/password-realm"],
    )
    return App(client, secret)


@pytest.fixture
def guess(password_app, end_user):
    """One password-grant attempt for alice (or `username`) from `ip`."""
    http = HttpClient()

    def attempt(
        password, *, username=end_user.email, ip=ATTACKER_IP, app=password_app, headers=None, **extra
    ):
        body = {"grant_type": "password", "username": username, "password": password, **app.creds, **extra}
        return http.post("/acme/oauth/token", body, REMOTE_ADDR=ip, headers=headers or {})

    return attempt


def assert_blocked(resp):
    assert resp.status_code == 429, resp.content
    assert resp.json() == {"error": "too_many_attempts", "error_description": BLOCKED_MESSAGE}


def test_ten_wrong_passwords_block_the_right_one(guess):
    # given
    for n in range(MAX):
        assert guess(f"wrong-{n}").json()["error"] == "invalid_grant"

    # when: the attacker finally has the right password
    resp = guess(factories.DEFAULT_PASSWORD)

    # then
    assert_blocked(resp)
    assert "access_token" not in resp.json()


def test_a_right_password_ends_the_run_of_failures(guess):
    for n in range(MAX - 1):
        guess(f"wrong-{n}")
    assert guess(factories.DEFAULT_PASSWORD).status_code == 200
    for n in range(MAX - 1):
        guess(f"again-{n}")
    assert guess(factories.DEFAULT_PASSWORD).status_code == 200


def test_password_and_password_realm_share_one_count(guess):
    for n in range(MAX // 2):
        guess(f"wrong-{n}")
    for n in range(MAX // 2):
        guess(f"realm-{n}", grant_type="http://auth0.com/oauth/grant-type/password-realm")
    assert_blocked(
        guess(factories.DEFAULT_PASSWORD, grant_type="http://auth0.com/oauth/grant-type/password-realm")
    )
    assert_blocked(guess(factories.DEFAULT_PASSWORD))


def test_spellings_of_the_email_count_as_one_user(guess, end_user):
    # given: the attacker varies the case of the email on every try
    spellings = ["ALICE@example.test", "alice@EXAMPLE.TEST", "Alice@Example.Test", "aLiCe@example.test"]
    for n in range(MAX):
        guess(f"wrong-{n}", username=spellings[n % len(spellings)])

    # then
    assert_blocked(guess(factories.DEFAULT_PASSWORD))
    assert_blocked(guess(factories.DEFAULT_PASSWORD, username="ALICE@EXAMPLE.TEST"))


def test_unicode_look_alikes_get_no_fresh_tries(guess, tenant, end_user):
    # "ſ" (long s) upper-cases to "S": PostgreSQL's case-insensitive match finds alice with it
    look_alike = "alice@example.teſt"
    resolves_to_alice = user_find_by_email(tenant=tenant, email=look_alike) == end_user
    assert resolves_to_alice == (connection.vendor == "postgresql")

    # when: every failure uses the look-alike
    for n in range(MAX):
        guess(f"wrong-{n}", username=look_alike)

    if resolves_to_alice:
        # then: they were alice's failures, whichever spelling comes next
        assert_blocked(guess(factories.DEFAULT_PASSWORD))
        assert_blocked(guess(factories.DEFAULT_PASSWORD, username=look_alike))
    else:
        # SQLite matches ASCII case only: the look-alike is no one and can never sign in as alice
        # (it is blocked under its own NFKC case-folded form)
        assert_blocked(guess(factories.DEFAULT_PASSWORD, username=look_alike))
        assert guess(factories.DEFAULT_PASSWORD).status_code == 200


def test_an_unknown_email_is_blocked_alike_so_a_block_reveals_nothing(guess):
    for n in range(MAX):
        assert guess(f"wrong-{n}", username="nobody@example.test").json()["error"] == "invalid_grant"
    assert_blocked(guess("anything", username="nobody@example.test"))
    assert_blocked(guess("anything", username="NOBODY@example.test"))


def test_the_block_holds_for_one_address_and_one_user(guess, tenant):
    # given
    factories.make_user(tenant, email="bob@example.test")
    for n in range(MAX):
        guess(f"wrong-{n}")

    # then: alice from elsewhere, and bob from the attacker's address, still sign in
    assert guess(factories.DEFAULT_PASSWORD, ip="203.0.113.50").status_code == 200
    assert guess(factories.DEFAULT_PASSWORD, username="bob@example.test").status_code == 200
    assert_blocked(guess(factories.DEFAULT_PASSWORD))


def test_a_confidential_client_names_the_end_users_address(guess):
    # given: a web app's server calls the password grant for a user at 203.0.113.9
    forwarded = {"auth0-forwarded-for": "203.0.113.9"}
    for n in range(MAX):
        guess(f"wrong-{n}", ip="10.0.0.2", headers=forwarded)

    # then: that user is blocked, the server's other users at other addresses are not
    assert_blocked(guess(factories.DEFAULT_PASSWORD, ip="10.0.0.2", headers=forwarded))
    resp = guess(factories.DEFAULT_PASSWORD, ip="10.0.0.2", headers={"auth0-forwarded-for": "203.0.113.10"})
    assert resp.status_code == 200


def test_a_public_client_cannot_dodge_the_count_with_the_header(guess, tenant):
    # given: a native app (no secret) sends a fresh auth0-forwarded-for on every try
    client, _ = factories.make_client(
        tenant, name="Native", app_type="native", grant_types=["password"], token_endpoint_auth_method="none"
    )
    native = App(client, "")
    for n in range(MAX):
        guess(f"wrong-{n}", app=native, headers={"auth0-forwarded-for": f"203.0.113.{n}"})

    # then: the connection's address was counted
    assert_blocked(
        guess(factories.DEFAULT_PASSWORD, app=native, headers={"auth0-forwarded-for": "203.0.113.99"})
    )


def test_a_garbage_forwarded_address_is_ignored(guess):
    for n in range(MAX):
        guess(f"wrong-{n}", headers={"auth0-forwarded-for": f"not-an-ip-{n}"})
    assert_blocked(guess(factories.DEFAULT_PASSWORD))


# The login page (universal login) counts in the same place.


def _login_page(http, spa, api):
    return http.get(
        "/acme/authorize",
        {
            "client_id": spa.client_id,
            "response_type": "code",
            "redirect_uri": "https://spa.example.test/callback",
            "scope": "openid",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        },
        REMOTE_ADDR=ATTACKER_IP,
    )


@pytest.fixture
def spa(tenant):
    client, _ = factories.make_client(
        tenant,
        name="SPA",
        app_type="spa",
        grant_types=["authorization_code"],
        callbacks=["https://spa.example.test/callback"],
        token_endpoint_auth_method="none",
    )
    return client


def _submit(http, page, *, email, password):
    form = parse_form(page.content.decode())
    return http.post(
        form.action, {**form.fields, "email": email, "password": password}, REMOTE_ADDR=ATTACKER_IP
    )


def test_the_login_page_and_the_token_endpoint_share_the_count(guess, spa, rs256_api, end_user):
    # given: half the tries at the login page, half at the token endpoint
    http = HttpClient()
    page = _login_page(http, spa, rs256_api)
    for n in range(MAX // 2):
        page = _submit(http, page, email="ALICE@example.test", password=f"wrong-{n}")
        assert page.status_code == 200
        assert "Wrong email or password." in page.content.decode()
    for n in range(MAX // 2):
        guess(f"wrong-{n}")

    # when: the right password, at both
    at_page = _submit(http, page, email=end_user.email, password=factories.DEFAULT_PASSWORD)

    # then
    assert at_page.status_code == 429
    assert BLOCKED_MESSAGE in at_page.content.decode()
    assert "Location" not in at_page.headers
    assert_blocked(guess(factories.DEFAULT_PASSWORD))


# Unblocking: the Management API's user-blocks, and an admin action.


@pytest.fixture
def blocked_alice(guess, end_user):
    for n in range(MAX):
        guess(f"wrong-{n}")
    assert_blocked(guess(factories.DEFAULT_PASSWORD))
    return end_user


def test_user_blocks_lists_and_lifts_a_block_by_user_id(client, tenant, blocked_alice, guess):
    # given
    api = ManagementApi(client, "acme", token_for(tenant, ["read:users", "update:users"]))

    # when
    listed = api("GET", f"user-blocks/{blocked_alice.user_id}")
    lifted = api("DELETE", f"user-blocks/{blocked_alice.user_id}")

    # then
    assert listed.status_code == 200
    assert listed.json() == {
        "blocked_for": [
            {
                "identifier": "alice@example.test",
                "ip": ATTACKER_IP,
                "connection": "Username-Password-Authentication",
            }
        ]
    }
    assert lifted.status_code == 204
    assert api("GET", f"user-blocks/{blocked_alice.user_id}").json() == {"blocked_for": []}
    assert guess(factories.DEFAULT_PASSWORD).status_code == 200


def test_user_blocks_by_identifier_with_any_spelling(client, tenant, blocked_alice, guess):
    api = ManagementApi(client, "acme", token_for(tenant, ["read:users", "update:users"]))

    listed = api("GET", "user-blocks", query={"identifier": "Alice@Example.Test"})
    assert [b["ip"] for b in listed.json()["blocked_for"]] == [ATTACKER_IP]
    assert api("DELETE", "user-blocks", query={"identifier": "ALICE@example.test"}).status_code == 204
    assert guess(factories.DEFAULT_PASSWORD).status_code == 200


def test_user_blocks_needs_its_scopes_and_stays_in_the_tenant(
    client, tenant, other_tenant, blocked_alice, guess
):
    reader = ManagementApi(client, "acme", token_for(tenant, ["read:users"]))
    assert_error(reader("DELETE", f"user-blocks/{blocked_alice.user_id}"), 403, "insufficient_scope")
    outsider = ManagementApi(client, "other", token_for(other_tenant, ["read:users", "update:users"]))
    assert_error(outsider("DELETE", f"user-blocks/{blocked_alice.user_id}"), 404, "inexistent_user")
    assert outsider("DELETE", "user-blocks", query={"identifier": "alice@example.test"}).status_code == 204
    assert_error(reader("GET", "user-blocks"), 400, "invalid_query_string")
    # then: alice is still blocked in acme
    assert_blocked(guess(factories.DEFAULT_PASSWORD))


def test_a_users_own_token_cannot_unblock_itself(client, tenant, blocked_alice):
    from tests.flows.test_management_audience import _user_token

    api = ManagementApi(
        client, "acme", _user_token(tenant, blocked_alice, scope="update:users read:current_user")
    )
    assert_error(api("DELETE", f"user-blocks/{blocked_alice.user_id}"), 403, "insufficient_scope")


def test_the_admin_action_lifts_the_block(client, django_user_model, tenant, blocked_alice, guess):
    # given
    from tenants.services import tenant_membership_add

    staff = django_user_model.objects.create_user("ops", "ops@example.test", "pw", is_staff=True)
    tenant_membership_add(tenant=tenant, user=staff)
    client.force_login(staff)

    # when
    resp = client.post(
        "/admin/accounts/tenantuser/",
        {"action": "unblock_brute_force", "_selected_action": [blocked_alice.pk]},
        follow=True,
    )

    # then
    assert resp.status_code == 200
    assert "Lifted brute-force blocks of alice@example.test." in resp.content.decode()
    assert guess(factories.DEFAULT_PASSWORD).status_code == 200


def test_unblocking_leaves_the_admins_blocked_flag_alone(client, tenant, blocked_alice, guess):
    from accounts.services import user_update

    user_update(user=blocked_alice, blocked=True)
    api = ManagementApi(client, "acme", token_for(tenant, ["update:users"]))
    assert api("DELETE", f"user-blocks/{blocked_alice.user_id}").status_code == 204
    resp = guess(factories.DEFAULT_PASSWORD)
    assert resp.json() == {"error": "invalid_grant", "error_description": "user is blocked"}


# The Django admin's own login.


def _admin_login(http, username, password, ip=ATTACKER_IP):
    page = http.get("/admin/login/", REMOTE_ADDR=ip)
    token = page.cookies["csrftoken"].value
    return http.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "csrfmiddlewaretoken": token, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def test_the_admin_login_blocks_after_ten_wrong_passwords(db, django_user_model):
    # given
    django_user_model.objects.create_superuser("root", "root@example.test", "the-real-root-password")
    http = HttpClient(enforce_csrf_checks=True)
    for n in range(MAX):
        assert _admin_login(http, "root", f"wrong-{n}").status_code == 200

    # when
    resp = _admin_login(http, "root", "the-real-root-password")

    # then: the form says so, and no session was opened
    assert resp.status_code == 200
    assert BLOCKED_MESSAGE in resp.content.decode()
    assert "_auth_user_id" not in http.session
    # and from another address the operator still gets in
    other = HttpClient(enforce_csrf_checks=True)
    assert _admin_login(other, "root", "the-real-root-password", ip="203.0.113.77").status_code == 302


def test_the_admin_login_counts_unicode_forms_of_the_username_together(db, django_user_model):
    # Django's login form NFKC-normalises the username: "ｒｏｏｔ" (full width) is "root"
    django_user_model.objects.create_superuser("root", "root@example.test", "the-real-root-password")
    http = HttpClient(enforce_csrf_checks=True)
    for n in range(MAX):
        _admin_login(http, "ｒｏｏｔ" if n % 2 else "root", f"wrong-{n}")
    assert BLOCKED_MESSAGE in _admin_login(http, "root", "the-real-root-password").content.decode()
