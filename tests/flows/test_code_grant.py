"""The authorization_code grant: PKCE, single use, binding to client and redirect_uri, ID tokens."""

import datetime as dt

import jwt
import pytest
from django.conf import settings
from django.utils import timezone

from tests import factories
from tests.flows.conftest import WEB_CALLBACK, left_hash
from tokens.models import AuthorizationCode, RefreshToken


def assert_oauth_error(resp, status: int, error: str, description: str) -> None:
    assert resp.status_code == status, resp.content
    assert resp.json() == {"error": error, "error_description": description}
    assert resp["Cache-Control"] == "no-store"


def test_code_exchange_gives_jwt_id_token_and_refresh_token(signed_in, exchange, spa, api, end_user, verify):
    # given
    params, verifier = signed_in()
    # when
    resp = exchange(params["code"], verifier, creds={"client_id": spa.client_id})
    # then
    assert resp.status_code == 200
    assert resp["Cache-Control"] == "no-store"
    body = resp.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "id_token", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86400
    assert body["scope"] == "openid profile email offline_access"
    assert body["refresh_token"].startswith("authport_rt_")
    userinfo = f"{settings.PUBLIC_URL}/acme/userinfo"
    access = verify(body["access_token"], audience=api.identifier)
    assert access["aud"] == [api.identifier, userinfo]
    assert access["sub"] == end_user.user_id
    assert access["azp"] == spa.client_id
    assert "gty" not in access
    id_token = verify(body["id_token"], audience=spa.client_id)
    assert id_token["nonce"] == "n-456"
    assert id_token["at_hash"] == left_hash(body["access_token"])
    assert id_token["email"] == end_user.email
    session_start = int(AuthorizationCode.objects.get().auth_time.timestamp())
    assert id_token["auth_time"] == session_start


def test_code_is_stored_hashed(signed_in):
    params, _ = signed_in()
    record = AuthorizationCode.objects.get()
    assert params["code"].startswith("authport_code_")
    assert params["code"] not in record.code_hash
    assert record.expires_at - record.created_at <= dt.timedelta(seconds=61)


def test_reused_code_is_refused_and_revokes_its_refresh_token(signed_in, exchange, spa):
    # given
    params, verifier = signed_in()
    first = exchange(params["code"], verifier, creds={"client_id": spa.client_id}).json()
    # when
    again = exchange(params["code"], verifier, creds={"client_id": spa.client_id})
    # then
    assert_oauth_error(
        again,
        400,
        "invalid_grant",
        "Invalid authorization code: it was already used; the tokens it issued are revoked.",
    )
    assert first["refresh_token"]
    assert RefreshToken.objects.get().revoked_at is not None


def test_revoked_refresh_token_from_a_reused_code_no_longer_works(signed_in, exchange, spa, client):
    # given
    params, verifier = signed_in()
    first = exchange(params["code"], verifier, creds={"client_id": spa.client_id}).json()
    exchange(params["code"], verifier, creds={"client_id": spa.client_id})
    # when
    resp = client.post(
        "/acme/oauth/token",
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "client_id": spa.client_id},
    )
    # then
    assert_oauth_error(resp, 400, "invalid_grant", "The refresh token has been revoked.")


@pytest.mark.parametrize(
    ("change", "description"),
    [
        pytest.param({"verifier": "x" * 43}, "Failed to verify code verifier", id="wrong_verifier"),
        pytest.param(
            {"verifier": None},
            "Missing code_verifier: the authorization request used PKCE.",
            id="no_verifier",
        ),
        pytest.param(
            {"redirect_uri": "https://spa.example.test/other"},
            "The redirect_uri does not match the one of the authorization request.",
            id="other_redirect_uri",
        ),
        pytest.param({"code": "authport_code_forged"}, "Invalid authorization code", id="unknown_code"),
    ],
)
def test_code_exchange_errors(signed_in, exchange, spa, change, description):
    # given
    params, verifier = signed_in()
    code = change.get("code", params["code"])
    verifier = change.get("verifier", verifier)
    kwargs = {"redirect_uri": change["redirect_uri"]} if "redirect_uri" in change else {}
    # when
    resp = exchange(code, verifier, creds={"client_id": spa.client_id}, **kwargs)
    # then
    assert_oauth_error(resp, 400, "invalid_grant", description)
    assert RefreshToken.objects.count() == 0


def test_failed_exchange_spends_the_code(signed_in, exchange, spa):
    # given: a wrong verifier first
    params, verifier = signed_in()
    exchange(params["code"], "x" * 43, creds={"client_id": spa.client_id})
    # when
    resp = exchange(params["code"], verifier, creds={"client_id": spa.client_id})
    # then
    assert resp.json()["error"] == "invalid_grant"


def test_expired_code_is_refused(signed_in, exchange, spa):
    params, verifier = signed_in()
    AuthorizationCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    resp = exchange(params["code"], verifier, creds={"client_id": spa.client_id})
    assert_oauth_error(resp, 400, "invalid_grant", "Invalid authorization code: it has expired.")


def test_code_is_bound_to_its_client(signed_in, exchange, tenant):
    # given: another public client of the tenant with the grant
    other, _ = factories.make_client(
        tenant,
        name="Other SPA",
        app_type="spa",
        grant_types=["authorization_code"],
        callbacks=["https://o.test/cb"],
    )
    params, verifier = signed_in()
    # when
    resp = exchange(params["code"], verifier, creds={"client_id": other.client_id})
    # then
    assert_oauth_error(resp, 400, "invalid_grant", "Invalid authorization code")
    assert AuthorizationCode.objects.get().used_at is None  # the rightful client may still use it


def test_confidential_client_must_authenticate(signed_in, exchange, web_app):
    # given: a regular web app may skip PKCE, but not its secret
    params, _ = signed_in(
        client_id=web_app.client_id,
        redirect_uri=WEB_CALLBACK,
        code_challenge=None,
        code_challenge_method=None,
    )
    # when
    no_secret = exchange(
        params["code"], None, creds={"client_id": web_app.client_id}, redirect_uri=WEB_CALLBACK
    )
    ok = exchange(params["code"], None, creds=web_app.creds, redirect_uri=WEB_CALLBACK)
    # then
    assert_oauth_error(
        no_secret,
        401,
        "invalid_client",
        "Client authentication failed: this client must send its client_secret.",
    )
    assert ok.status_code == 200


def test_client_without_authorization_code_grant_is_unauthorized_at_the_token_endpoint(
    signed_in, exchange, spa
):
    # given
    params, verifier = signed_in()
    spa.client.grant_types = ["implicit"]
    spa.client.save()
    # when
    resp = exchange(params["code"], verifier, creds={"client_id": spa.client_id})
    # then
    assert_oauth_error(
        resp, 403, "unauthorized_client", "Grant type 'authorization_code' not allowed for the client."
    )


@pytest.mark.parametrize("reason", ["api_disallows", "client_lacks_grant"])
def test_no_refresh_token_without_offline_access_permission(signed_in, exchange, spa, api, reason):
    # given
    if reason == "api_disallows":
        api.allow_offline_access = False
        api.save()
    else:
        spa.client.grant_types = ["authorization_code"]
        spa.client.save()
    params, verifier = signed_in()
    # when
    body = exchange(params["code"], verifier, creds={"client_id": spa.client_id}).json()
    # then
    assert "refresh_token" not in body
    assert body["scope"] == "openid profile email"
    assert RefreshToken.objects.count() == 0


def test_no_audience_gives_an_opaque_token_and_an_id_token(signed_in, exchange, spa, client):
    # given
    params, verifier = signed_in(audience=None, scope="openid email")
    # when
    body = exchange(params["code"], verifier, creds={"client_id": spa.client_id}).json()
    # then
    assert body["access_token"].startswith("authport_opaque_")
    assert client.get("/acme/userinfo", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}").json()[
        "email"
    ] == ("alice@example.test")
    assert jwt.decode(body["id_token"], options={"verify_signature": False})["aud"] == spa.client_id


def test_rbac_limits_the_code_flow_scopes(signed_in, exchange, spa, api, end_user, verify):
    # given
    from accounts.services import permissions_add

    api.enforce_policies = True
    api.save()
    permissions_add(resource_server=api, permission_names=["read:items"], user=end_user)
    params, verifier = signed_in(scope="openid read:items write:items")
    # when
    body = exchange(params["code"], verifier, creds={"client_id": spa.client_id}).json()
    # then
    assert body["scope"] == "openid read:items"
    assert verify(body["access_token"], audience=api.identifier)["scope"] == "openid read:items"


def test_rbac_without_any_permission_is_an_invalid_scope_redirect(signed_in, api):
    api.enforce_policies = True
    api.save()
    params, _ = signed_in(scope="openid write:items")
    assert params == {
        "error": "invalid_scope",
        "error_description": "User is not authorized to the audience for those scopes",
        "state": "st-123",
    }


def test_code_and_refresh_token_hold_a_scope_of_any_length(signed_in, exchange, spa, api, verify):
    # given: an API whose scopes, all requested, make a scope longer than 2000 characters
    api.scopes = [{"value": f"read:{i:02d}:" + "x" * 100, "description": "d"} for i in range(30)]
    api.save()
    scope = "openid offline_access " + " ".join(s["value"] for s in api.scopes)
    assert len(scope) > 3000
    params, verifier = signed_in(scope=scope)
    # when
    resp = exchange(params["code"], verifier, creds={"client_id": spa.client_id})
    # then
    assert resp.status_code == 200, resp.content[:300]
    assert resp.json()["scope"] == scope
    assert verify(resp.json()["access_token"], audience=api.identifier)["scope"] == scope
    assert RefreshToken.objects.get().scope == scope


def test_reused_code_also_ends_the_opaque_access_token_it_issued(signed_in, exchange, spa, client):
    # given: a login without audience, so the first exchange got an opaque (userinfo) token
    params, verifier = signed_in(audience=None)
    first = exchange(params["code"], verifier, creds={"client_id": spa.client_id}).json()
    assert first["access_token"].startswith("authport_opaque_")
    assert (
        client.get("/acme/userinfo", HTTP_AUTHORIZATION=f"Bearer {first['access_token']}").status_code == 200
    )
    # when: the code comes back
    exchange(params["code"], verifier, creds={"client_id": spa.client_id})
    # then
    assert (
        client.get("/acme/userinfo", HTTP_AUTHORIZATION=f"Bearer {first['access_token']}").status_code == 401
    )


def test_refresh_token_reuse_also_ends_the_opaque_access_tokens_of_its_family(
    signed_in, exchange, spa, client
):
    # given
    params, verifier = signed_in(audience=None)
    first = exchange(params["code"], verifier, creds={"client_id": spa.client_id}).json()
    body = {
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
        "client_id": spa.client_id,
    }
    second = client.post("/acme/oauth/token", body).json()
    # when: the first refresh token is replayed
    client.post("/acme/oauth/token", body)
    # then: every opaque token of the login is over
    for token in (first["access_token"], second["access_token"]):
        assert client.get("/acme/userinfo", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
