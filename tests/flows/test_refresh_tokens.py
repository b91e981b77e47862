"""Refresh tokens: the original audience and format, narrower scope only, rotation, reuse detection,
and RFC 7009 revocation."""

import pytest
from django.conf import settings

from tests import factories
from tests.flows.conftest import SPA_ORIGIN
from tokens.models import RefreshToken


def assert_oauth_error(resp, status: int, error: str, description: str) -> None:
    assert resp.status_code == status, resp.content
    assert resp.json() == {"error": error, "error_description": description}


@pytest.fixture
def tokens(signed_in, exchange, spa):
    """Sign in and exchange the code; keyword arguments override the /authorize parameters."""

    def run(**overrides):
        params, verifier = signed_in(**overrides)
        resp = exchange(params["code"], verifier, creds={"client_id": spa.client_id})
        assert resp.status_code == 200, resp.content
        return resp.json()

    return run


@pytest.fixture
def refresh(client, spa):
    def post(refresh_token: str, **extra):
        body = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": spa.client_id,
            **extra,
        }
        return client.post("/acme/oauth/token", body)

    return post


def test_refresh_keeps_the_audience_and_rotates(tokens, refresh, api, verify, spa):
    # given
    first = tokens()
    # when
    resp = refresh(first["refresh_token"])
    # then
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "id_token", "refresh_token"}
    assert body["refresh_token"] != first["refresh_token"]
    claims = verify(body["access_token"], audience=api.identifier)
    assert claims["aud"] == verify(first["access_token"], audience=api.identifier)["aud"]
    assert claims["gty"] == "refresh_token"
    assert claims["scope"] == "openid profile email offline_access"
    assert verify(body["id_token"], audience=spa.client_id)["sub"] == claims["sub"]
    assert RefreshToken.objects.filter(used_at__isnull=False).count() == 1


def test_refresh_ignores_a_later_default_audience(tokens, refresh, tenant, api):
    # given: a userinfo-only login, then the tenant gets a Default Audience
    first = tokens(audience=None, scope="openid offline_access")
    assert first["access_token"].startswith("authport_opaque_")
    tenant.default_audience = api
    tenant.save()
    # when
    body = refresh(first["refresh_token"]).json()
    # then: still the opaque userinfo token the refresh token was issued for
    assert body["access_token"].startswith("authport_opaque_")


def test_refresh_ignores_an_audience_parameter(tokens, refresh, api, verify, hs256_api):
    first = tokens()
    body = refresh(first["refresh_token"], audience=hs256_api.identifier).json()
    assert verify(body["access_token"], audience=api.identifier)["aud"][0] == api.identifier


def test_refresh_may_narrow_the_scope(tokens, refresh, api, verify):
    # given
    first = tokens(scope="openid offline_access read:items write:items")
    # when
    body = refresh(first["refresh_token"], scope="openid read:items").json()
    # then
    assert body["scope"] == "openid read:items"
    assert verify(body["access_token"], audience=api.identifier)["scope"] == "openid read:items"
    # and the next refresh may still ask for the original scope
    again = refresh(body["refresh_token"]).json()
    assert again["scope"] == "openid offline_access read:items write:items"


def test_refresh_never_widens_the_scope(tokens, refresh):
    first = tokens(scope="openid offline_access read:items")
    resp = refresh(first["refresh_token"], scope="openid read:items write:items")
    assert_oauth_error(
        resp,
        400,
        "invalid_scope",
        "The requested scope exceeds the scope granted by the refresh token: write:items.",
    )
    # and the refused attempt did not spend the token: a corrected retry works
    assert RefreshToken.objects.filter(used_at__isnull=False).count() == 0
    assert refresh(first["refresh_token"], scope="openid read:items").status_code == 200


def test_reused_refresh_token_revokes_the_family(tokens, refresh):
    # given
    first = tokens()
    second = refresh(first["refresh_token"]).json()
    # when: the first one comes back (stolen and replayed)
    reuse = refresh(first["refresh_token"])
    # then
    assert_oauth_error(
        reuse,
        400,
        "invalid_grant",
        "The refresh token was already used; every token of its family is now revoked.",
    )
    assert_oauth_error(
        refresh(second["refresh_token"]), 400, "invalid_grant", "The refresh token has been revoked."
    )
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 0


def test_refresh_token_is_bound_to_its_client(tokens, client, tenant):
    # given
    first = tokens()
    other, _ = factories.make_client(tenant, name="Other", app_type="spa", grant_types=["refresh_token"])
    # when
    resp = client.post(
        "/acme/oauth/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": other.client_id,
        },
    )
    # then
    assert_oauth_error(resp, 400, "invalid_grant", "Unknown or invalid refresh token.")
    assert RefreshToken.objects.get().used_at is None


def test_refresh_of_a_blocked_user_is_refused(tokens, refresh, end_user):
    from accounts.services import user_update

    first = tokens()
    user_update(user=end_user, blocked=True)
    assert_oauth_error(refresh(first["refresh_token"]), 400, "invalid_grant", "user is blocked")


def test_missing_refresh_token(refresh):
    resp = refresh("")
    assert_oauth_error(resp, 400, "invalid_request", "Missing required parameter: refresh_token")


def test_refresh_tokens_are_stored_hashed(tokens):
    first = tokens()
    record = RefreshToken.objects.get()
    assert first["refresh_token"] not in record.token_hash
    assert record.audience == "https://api.acme.test/"


def test_revoke_revokes_the_whole_family(tokens, refresh, client, spa):
    # given
    first = tokens()
    second = refresh(first["refresh_token"]).json()
    # when
    resp = client.post("/acme/oauth/revoke", {"token": second["refresh_token"], "client_id": spa.client_id})
    # then
    assert resp.status_code == 200
    assert resp.content == b""
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 0
    assert_oauth_error(
        refresh(second["refresh_token"]), 400, "invalid_grant", "The refresh token has been revoked."
    )


def test_revoke_answers_200_for_unknown_tokens(client, spa):
    resp = client.post("/acme/oauth/revoke", {"token": "authport_rt_unknown", "client_id": spa.client_id})
    assert resp.status_code == 200


def test_revoke_does_not_touch_another_clients_token(tokens, client, tenant):
    first = tokens()
    other, _ = factories.make_client(tenant, name="Other", app_type="spa", grant_types=["refresh_token"])
    resp = client.post("/acme/oauth/revoke", {"token": first["refresh_token"], "client_id": other.client_id})
    assert resp.status_code == 200
    assert RefreshToken.objects.get().revoked_at is None


def test_revoke_needs_client_authentication(tokens, client, web_app):
    resp = client.post("/acme/oauth/revoke", {"token": "authport_rt_x", "client_id": web_app.client_id})
    assert_oauth_error(
        resp, 401, "invalid_client", "Client authentication failed: this client must send its client_secret."
    )


def test_revoke_needs_a_token(client, spa):
    resp = client.post("/acme/oauth/revoke", {"client_id": spa.client_id})
    assert_oauth_error(resp, 400, "invalid_request", "Missing required parameter: token")


def test_revoke_preflight_allows_the_auth0_client_header(client, spa):
    # when
    resp = client.options(
        "/acme/oauth/revoke",
        HTTP_ORIGIN=SPA_ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,auth0-client",
    )
    # then
    assert resp.status_code == 204
    assert resp["Access-Control-Allow-Origin"] == SPA_ORIGIN
    assert resp["Access-Control-Allow-Methods"] == "POST"
    assert "auth0-client" in resp["Access-Control-Allow-Headers"].lower()


def test_revoke_from_an_unregistered_origin_gets_no_cors_headers(client, spa):
    resp = client.post(
        "/acme/oauth/revoke",
        {"token": "x", "client_id": spa.client_id},
        HTTP_ORIGIN="https://evil.example.test",
    )
    assert resp.status_code == 200
    assert "Access-Control-Allow-Origin" not in resp


def test_discovery_names_the_browser_endpoints(client, tenant):
    doc = client.get("/acme/.well-known/openid-configuration").json()
    issuer = f"{settings.PUBLIC_URL}/acme/"
    assert doc["authorization_endpoint"] == f"{issuer}authorize"
    assert doc["revocation_endpoint"] == f"{issuer}oauth/revoke"
    assert doc["end_session_endpoint"] == f"{issuer}v2/logout"


# -- the reuse interval (Auth0's refresh_token.leeway) ------------------------------------------------
LOG_ID = "Authport-Log-Id"
REUSE = "The refresh token was already used; every token of its family is now revoked."


@pytest.fixture
def leeway(spa):
    def set_to(seconds: int) -> None:
        spa.client.refresh_token_leeway = seconds
        spa.client.save(update_fields=["refresh_token_leeway"])

    return set_to


def rotated_ago(token_hash_of_first: str, seconds: float) -> None:
    """Pretend the first token was rotated `seconds` ago."""
    from datetime import timedelta

    from django.utils import timezone

    RefreshToken.objects.filter(token_hash=token_hash_of_first).update(
        used_at=timezone.now() - timedelta(seconds=seconds)
    )


def _hash(token: str) -> str:
    from core.crypto import sha256_hex

    return sha256_hex(token)


@pytest.fixture
def refresh_unraised(spa):
    """`refresh`, from a client that answers a server error as the browser sees it (its status)."""
    from django.test import Client

    browser = Client(raise_request_exception=False)

    def post(refresh_token: str):
        body = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": spa.client_id}
        return browser.post("/acme/oauth/token", body)

    return post


def test_within_the_reuse_interval_the_previous_token_gets_new_tokens(tokens, refresh, leeway, api, verify):
    from logs.models import LogEvent

    # given: a rotation whose answer the client never got
    leeway(30)
    first = tokens()
    lost = refresh(first["refresh_token"]).json()
    # when: the client retries with the token it holds
    retry = refresh(first["refresh_token"])
    # then: new tokens, a new refresh token of the same family, nothing revoked
    assert retry.status_code == 200, retry.content
    body = retry.json()
    assert body["refresh_token"] not in (first["refresh_token"], lost["refresh_token"])
    assert verify(body["access_token"], audience=api.identifier)["gty"] == "refresh_token"
    assert RefreshToken.objects.filter(revoked_at__isnull=False).count() == 0
    assert len(set(RefreshToken.objects.values_list("family", flat=True))) == 1
    assert LogEvent.objects.get(log_id=retry[LOG_ID]).type == "sertft"
    # and the retry's token rotates on as any other
    assert refresh(body["refresh_token"]).status_code == 200


def test_after_the_reuse_interval_the_previous_token_is_a_reuse(tokens, refresh, leeway):
    # given
    leeway(30)
    first = tokens()
    second = refresh(first["refresh_token"]).json()
    rotated_ago(_hash(first["refresh_token"]), 31)
    # when
    reuse = refresh(first["refresh_token"])
    # then: breach detection, as without an interval
    assert_oauth_error(reuse, 400, "invalid_grant", REUSE)
    assert_oauth_error(
        refresh(second["refresh_token"]), 400, "invalid_grant", "The refresh token has been revoked."
    )
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 0


def test_with_no_reuse_interval_a_retry_is_a_reuse(tokens, refresh, leeway):
    leeway(0)
    first = tokens()
    refresh(first["refresh_token"])
    assert_oauth_error(refresh(first["refresh_token"]), 400, "invalid_grant", REUSE)
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 0


def test_only_the_previous_generation_may_be_exchanged_again(tokens, refresh, leeway):
    # given: first -> second -> third, all within the interval
    leeway(30)
    first = tokens()
    second = refresh(first["refresh_token"]).json()
    third = refresh(second["refresh_token"]).json()
    # then: the previous token (second) still works; the second-to-last (first) is a reuse
    assert refresh(second["refresh_token"]).status_code == 200
    assert_oauth_error(refresh(first["refresh_token"]), 400, "invalid_grant", REUSE)
    assert_oauth_error(
        refresh(third["refresh_token"]), 400, "invalid_grant", "The refresh token has been revoked."
    )


def test_within_the_interval_another_client_or_tenant_gets_nothing(tokens, refresh, leeway, client, tenant):
    """The interval is the token's own client's: another client of the tenant, or a client of another
    tenant, presenting the rotated token learns nothing, and its family lives on."""
    leeway(30)
    first = tokens()
    second = refresh(first["refresh_token"]).json()
    other, _ = factories.make_client(tenant, name="Other", app_type="spa", grant_types=["refresh_token"])
    elsewhere, _ = factories.make_client(
        factories.make_tenant("globex"), name="SPA", app_type="spa", grant_types=["refresh_token"]
    )
    for slug, client_id in (("acme", other.client_id), ("globex", elsewhere.client_id)):
        resp = client.post(
            f"/{slug}/oauth/token",
            {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "client_id": client_id},
        )
        assert_oauth_error(resp, 400, "invalid_grant", "Unknown or invalid refresh token.")
    assert RefreshToken.objects.filter(revoked_at__isnull=False).count() == 0
    assert refresh(second["refresh_token"]).status_code == 200


def test_a_revoked_family_stays_revoked_within_the_interval(tokens, refresh, leeway, client, spa):
    leeway(30)
    first = tokens()
    refresh(first["refresh_token"])
    client.post("/acme/oauth/revoke", {"token": first["refresh_token"], "client_id": spa.client_id})
    assert_oauth_error(
        refresh(first["refresh_token"]), 400, "invalid_grant", "The refresh token has been revoked."
    )


def test_a_rotation_committed_whose_answer_was_lost_is_retried_within_the_interval(
    tokens, leeway, refresh_unraised, monkeypatch
):
    """The worker dies after the rotation committed, before its answer left (here: the step after the
    commit fails, so the client gets a 500 and no tokens); the client retries with the same token."""
    from tokens import views

    leeway(10)
    first = tokens()

    def lost(**_):
        raise ConnectionResetError("the answer never left")

    with monkeypatch.context() as m:
        m.setattr(views, "exchange_event_record", lost)
        assert refresh_unraised(first["refresh_token"]).status_code == 500
    assert RefreshToken.objects.filter(
        token_hash=_hash(first["refresh_token"]), used_at__isnull=False
    ).exists()

    retry = refresh_unraised(first["refresh_token"])
    assert retry.status_code == 200, retry.content
    assert refresh_family_whole()


def test_a_rotation_cut_before_its_commit_leaves_nothing_behind(tokens, refresh_unraised, monkeypatch):
    """Without any interval: a failure between the claim and the new tokens rolls the claim back."""
    from django.db import OperationalError

    from tokens.grants import refresh_token

    first = tokens()

    def cut(**_):
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as m:
        m.setattr(refresh_token, "refresh_token_issue", cut)
        assert refresh_unraised(first["refresh_token"]).status_code == 503
    assert RefreshToken.objects.get().used_at is None

    retry = refresh_unraised(first["refresh_token"])
    assert retry.status_code == 200, retry.content
    assert refresh_family_whole()


def refresh_family_whole() -> bool:
    """Every used, live token has a successor: no rotation half-written."""
    return all(
        RefreshToken.objects.filter(family=t.family, generation=t.generation + 1).exists()
        for t in RefreshToken.objects.filter(used_at__isnull=False, revoked_at__isnull=True)
    )
