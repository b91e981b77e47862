"""The tenant-takeover attack: an end user asks for the management audience with administrative
scopes, through the password grant or a public SPA's code + PKCE flow (SPEC section 2, step 2).

A flow that acts for a user yields at most Auth0's current-user scopes, and the Management API
refuses every administrative call made with a user's token, however it was obtained.
"""

import json
import time

import jwt
import pytest
from django.test import Client as HttpClient

from accounts.models import TenantUser
from clients.models import Client
from tenants.keys import load_private_key
from tenants.selectors import signing_key_current
from tests import factories
from tests.conftest import App
from tests.flows.conftest import SPA_CALLBACK, redirect_params
from tests.management.conftest import ManagementApi, assert_error, management_api, token_for

TAKEOVER_SCOPE = (
    "openid read:clients create:clients update:clients read:users create:users update:users "
    "update:signing_keys create:signing_keys read:current_user update:current_user_metadata"
)
CURRENT_USER_GRANTED = ["openid", "read:current_user", "update:current_user_metadata"]


@pytest.fixture
def password_app(tenant) -> App:
    """An ordinary confidential web application allowed the password grant."""
    client, secret = factories.make_client(
        tenant, name="Web shop", app_type="regular_web", grant_types=["password", "refresh_token"]
    )
    return App(client, secret)


@pytest.fixture
def victim_state(tenant):
    """What the attack would change: the applications and users of the tenant."""

    def snapshot():
        return (
            sorted(Client.objects.for_tenant(tenant).values_list("client_id", "client_secret_hash")),
            sorted(TenantUser.objects.for_tenant(tenant).values_list("email", "user_metadata")),
        )

    return snapshot


def _administrative_calls(api: ManagementApi, tenant) -> dict[str, object]:
    management_client = Client.objects.for_tenant(tenant).order_by("pk").first()
    return {
        "GET clients": api("GET", "clients"),
        "POST users": api(
            "POST",
            "users",
            {
                "email": "mallory@evil.test",
                "password": "mallory-owns-you",
                "connection": "Username-Password-Authentication",
            },
        ),
        "POST clients": api("POST", "clients", {"name": "backdoor", "app_type": "non_interactive"}),
        "rotate-secret": api("POST", f"clients/{management_client.client_id}/rotate-secret"),
        "rotate keys": api("POST", "keys/signing/rotate"),
        "explainer": api("POST", "token-explanations", {"grant_type": "client_credentials"}),
    }


def _assert_all_refused(calls: dict) -> None:
    for name, response in calls.items():
        body = assert_error(response, 403, "insufficient_scope")
        assert "administrative" in body["message"], (name, body)


def test_password_grant_for_the_management_audience_yields_only_current_user_scopes(
    client, tenant, password_app, end_user, victim_state
):
    # given
    before = victim_state()  # secret hashes included: no rotate-secret went through

    # when: the attacker, an ordinary end user, asks for every administrative scope
    resp = client.post(
        "/acme/oauth/token",
        {
            "grant_type": "password",
            "username": end_user.email,
            "password": factories.DEFAULT_PASSWORD,
            "audience": tenant.management_audience,
            "scope": TAKEOVER_SCOPE,
            **password_app.creds,
        },
    )

    # then: the token carries the current-user scopes only
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["scope"].split() == CURRENT_USER_GRANTED
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["aud"] == [tenant.management_audience, tenant.userinfo_audience]
    assert claims["scope"].split() == CURRENT_USER_GRANTED

    # and no administrative call goes through with it
    _assert_all_refused(
        _administrative_calls(ManagementApi(HttpClient(), "acme", body["access_token"]), tenant)
    )
    assert victim_state() == before


def test_spa_code_flow_for_the_management_audience_yields_only_current_user_scopes(
    authorize, submit_login, exchange, spa, tenant, end_user, victim_state
):
    # given: a public SPA, no secret at all
    before = victim_state()
    page, verifier = authorize(audience=tenant.management_audience, scope=TAKEOVER_SCOPE)

    # when
    params = redirect_params(submit_login(page))
    resp = exchange(params["code"], verifier, creds={"client_id": spa.client_id}, redirect_uri=SPA_CALLBACK)

    # then
    assert resp.status_code == 200, resp.content
    token = resp.json()["access_token"]
    assert resp.json()["scope"].split() == CURRENT_USER_GRANTED
    _assert_all_refused(_administrative_calls(ManagementApi(HttpClient(), "acme", token), tenant))
    assert victim_state() == before


def test_implicit_flow_for_the_management_audience_yields_only_current_user_scopes(
    authorize, submit_login, tenant, end_user
):
    # when
    page, _ = authorize(
        audience=tenant.management_audience,
        scope=TAKEOVER_SCOPE,
        response_type="token id_token",
        code_challenge=None,
        code_challenge_method=None,
    )
    params = redirect_params(submit_login(page), part="fragment")

    # then
    assert params["scope"].split() == CURRENT_USER_GRANTED
    _assert_all_refused(
        _administrative_calls(ManagementApi(HttpClient(), "acme", params["access_token"]), tenant)
    )


def _user_token(tenant, user, *, scope: str, **claims) -> str:
    """A token for the user signed with the tenant's own key, as one issued before this fix was."""
    current = signing_key_current(tenant=tenant, alg="RS256")
    now = int(time.time())
    payload = {
        "iss": tenant.issuer,
        "sub": user.user_id,
        "aud": tenant.management_audience,
        "azp": "someclient",
        "gty": "password",
        "iat": now,
        "exp": now + 300,
        "scope": scope,
        **claims,
    }
    key = load_private_key(current.kid, current.private_key_encrypted)
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": current.kid})


def test_a_user_token_that_already_carries_administrative_scopes_is_refused(
    client, tenant, end_user, victim_state
):
    # given: a token minted before the fix, carrying every administrative scope
    before = victim_state()
    token = _user_token(tenant, end_user, scope=TAKEOVER_SCOPE)

    # then
    _assert_all_refused(_administrative_calls(ManagementApi(client, "acme", token), tenant))
    assert victim_state() == before


def test_a_user_token_posing_as_a_client_credentials_token_is_refused(client, tenant, end_user):
    # given: sub ends in @clients but the grant type says a user flow issued it
    mgmt_client = Client.objects.for_tenant(tenant).order_by("pk").first()
    token = _user_token(
        tenant,
        end_user,
        scope="read:clients",
        sub=f"{mgmt_client.client_id}@clients",
        azp=mgmt_client.client_id,
    )

    # then
    assert_error(ManagementApi(client, "acme", token)("GET", "clients"), 403, "insufficient_scope")


def test_read_current_user_reaches_only_the_users_own_profile(client, tenant, end_user):
    # given
    other = factories.make_user(tenant, email="bob@example.test")
    api = ManagementApi(client, "acme", _user_token(tenant, end_user, scope="read:current_user"))

    # when / then
    own = api("GET", f"users/{end_user.user_id}")
    assert own.status_code == 200, own.content
    assert own.json()["email"] == end_user.email
    body = assert_error(api("GET", f"users/{other.user_id}"), 403, "insufficient_scope")
    assert end_user.user_id in body["message"]
    assert_error(api("GET", "users"), 403, "insufficient_scope")
    assert_error(api("GET", f"users/{end_user.user_id}/permissions"), 403, "insufficient_scope")


def test_update_current_user_metadata_changes_only_user_metadata(client, tenant, end_user):
    # given
    api = ManagementApi(client, "acme", _user_token(tenant, end_user, scope="update:current_user_metadata"))

    # when
    ok = api("PATCH", f"users/{end_user.user_id}", {"user_metadata": {"theme": "dark"}})
    escalate = api(
        "PATCH", f"users/{end_user.user_id}", {"app_metadata": {"role": "admin"}, "user_metadata": {}}
    )
    email = api("PATCH", f"users/{end_user.user_id}", {"email": "new@example.test"})

    # then
    assert ok.status_code == 200, ok.content
    assert ok.json()["user_metadata"] == {"theme": "dark"}
    assert_error(escalate, 403, "insufficient_scope", "A user's token may change only user_metadata.")
    assert_error(email, 403, "insufficient_scope", "A user's token may change only user_metadata.")
    end_user.refresh_from_db()
    assert (end_user.email, end_user.app_metadata, end_user.user_metadata) == (
        "alice@example.test",
        {},
        {"theme": "dark"},
    )


def test_read_current_user_cannot_patch_and_update_scope_cannot_read(client, tenant, end_user):
    reader = ManagementApi(client, "acme", _user_token(tenant, end_user, scope="read:current_user"))
    writer = ManagementApi(
        client, "acme", _user_token(tenant, end_user, scope="update:current_user_metadata")
    )

    assert_error(
        reader("PATCH", f"users/{end_user.user_id}", {"user_metadata": {"a": 1}}), 403, "insufficient_scope"
    )
    assert_error(writer("GET", f"users/{end_user.user_id}"), 403, "insufficient_scope")
    end_user.refresh_from_db()
    assert end_user.user_metadata == {}


def test_a_deleted_clients_token_is_refused(client, tenant):
    # given: a client-credentials token, then its client is deleted
    token = token_for(tenant, ["read:clients"])
    caller = Client.objects.for_tenant(tenant).order_by("-pk").first()
    api = ManagementApi(client, "acme", token)
    assert api("GET", "clients").status_code == 200
    caller.delete()

    # then
    assert_error(
        api("GET", "clients"),
        403,
        "insufficient_scope",
        "The application this token was issued to no longer exists.",
    )


def test_the_management_clients_own_secret_still_works_after_an_attempted_takeover(
    client, tenant, password_app, end_user
):
    # given: the attack was tried
    grab = client.post(
        "/acme/oauth/token",
        {
            "grant_type": "password",
            "username": end_user.email,
            "password": factories.DEFAULT_PASSWORD,
            "audience": tenant.management_audience,
            "scope": TAKEOVER_SCOPE,
            **password_app.creds,
        },
    )
    _administrative_calls(ManagementApi(HttpClient(), "acme", grab.json()["access_token"]), tenant)

    # when: the real machine-to-machine client uses its credentials
    token = token_for(tenant, ["read:clients"])
    resp = ManagementApi(client, "acme", token)("GET", "clients")

    # then
    assert resp.status_code == 200
    assert any(c["name"] == "Web shop" for c in resp.json())


def test_client_credentials_keeps_every_granted_management_scope(client, tenant):
    # the rule limits users, not machines: a client grant still decides a client's scopes
    api = management_api(tenant)
    app, secret = factories.make_client(tenant, name="ops")
    factories.make_grant(app, api, scope=["read:clients", "update:signing_keys"])
    resp = client.post(
        "/acme/oauth/token",
        json.dumps(
            {
                "grant_type": "client_credentials",
                "client_id": app.client_id,
                "client_secret": secret,
                "audience": tenant.management_audience,
                "scope": "read:clients update:signing_keys read:current_user",
            }
        ),
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["scope"] == "read:clients update:signing_keys"


def test_the_dry_run_says_administrative_scopes_are_dropped_for_a_user(tenant, password_app):
    from tokens.explanation.explain import explain_request

    explanation = explain_request(
        tenant=tenant,
        grant_type="password",
        client_id=password_app.client_id,
        audience=tenant.management_audience,
        resource=None,
        scope=TAKEOVER_SCOPE,
    )
    assert explanation["outcome"]["scope"].split() == CURRENT_USER_GRANTED
    step = next(s for s in explanation["steps"] if s["step"] == "management_audience")
    assert "read:clients" in step["detail"]
