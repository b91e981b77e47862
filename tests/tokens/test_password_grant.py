"""Password and password-realm grants: opaque vs JWT, the userinfo audience, HS256 and RBAC (SPEC 2, 3)."""

import jwt
import pytest

from accounts.services import permissions_add, role_create, user_roles_add
from tenants.services import tenant_update
from tests import factories
from tests.tokens.conftest import (
    OPAQUE_PREFIX,
    PASSWORD_REALM,
    USER_DATABASE,
    assert_no_store,
    assert_oauth_error,
    issuer_of,
    userinfo_audience_of,
)

USERINFO = userinfo_audience_of("acme")
GRANTS = [
    pytest.param({"grant_type": "password"}, id="password_case"),
    pytest.param({"grant_type": PASSWORD_REALM, "realm": USER_DATABASE}, id="password_realm_case"),
]


@pytest.mark.parametrize("grant", GRANTS)
def test_openid_without_audience_gives_an_opaque_token_and_an_id_token(
    end_user, password_app, password_body, token_request, verify, grant
):
    # given
    body = password_body(scope="openid profile", **grant)
    # when
    resp = token_request(body)
    # then
    assert resp.status_code == 200
    assert_no_store(resp)
    data = resp.json()
    assert data["token_type"] == "Bearer"
    assert isinstance(data["expires_in"], int)
    assert data["expires_in"] > 0
    access = data["access_token"]
    assert access.startswith(OPAQUE_PREFIX)
    assert "." not in access
    assert len(access) - len(OPAQUE_PREFIX) >= 43  # at least 256 random bits in any <= 6-bit encoding
    id_header = jwt.get_unverified_header(data["id_token"])
    assert id_header["alg"] == "RS256"
    id_claims = verify(data["id_token"], audience=password_app.client_id)
    assert id_claims["aud"] == password_app.client_id
    assert id_claims["iss"] == issuer_of("acme")
    assert id_claims["sub"] == end_user.user_id
    assert id_claims["name"] == "Alice Example"


def test_opaque_tokens_are_never_reused(password_body, issue):
    # given
    body = password_body(scope="openid")
    # when
    first, second = issue(body)["access_token"], issue(body)["access_token"]
    # then
    assert first != second


@pytest.mark.parametrize("method", ["get", "post"])
def test_opaque_token_works_at_userinfo(end_user, password_body, issue, userinfo, method):
    # given
    token = issue(password_body(scope="openid profile"))["access_token"]
    # when
    resp = userinfo(token, method=method)
    # then
    assert resp.status_code == 200
    assert resp.json()["sub"] == end_user.user_id
    assert resp.json()["name"] == "Alice Example"


def test_explicit_userinfo_audience_gives_an_opaque_token(end_user, password_body, issue, userinfo):
    # given
    body = password_body(audience=USERINFO, scope="openid profile")
    # when
    data = issue(body)
    # then
    assert data["access_token"].startswith(OPAQUE_PREFIX)
    assert userinfo(data["access_token"]).json()["sub"] == end_user.user_id


@pytest.mark.parametrize("grant", GRANTS)
def test_rs256_api_with_openid_gives_a_jwt_for_the_api_and_userinfo(
    end_user, password_app, rs256_api, password_body, issue, verify, grant
):
    # given
    body = password_body(audience=rs256_api.identifier, scope="openid profile", **grant)
    # when
    data = issue(body)
    # then
    claims = verify(data["access_token"], audience=rs256_api.identifier)
    assert claims["aud"] == [rs256_api.identifier, USERINFO]
    assert claims["sub"] == end_user.user_id
    assert claims["azp"] == password_app.client_id
    assert {"openid", "profile"} <= set(claims["scope"].split())
    assert claims["exp"] - claims["iat"] == rs256_api.token_lifetime
    assert data["expires_in"] == rs256_api.token_lifetime
    id_claims = verify(data["id_token"], audience=password_app.client_id)
    assert id_claims["sub"] == end_user.user_id


def test_password_jwt_has_gty_password(rs256_api, password_body, issue, verify):
    # given
    body = password_body(audience=rs256_api.identifier, scope="openid")
    # when
    data = issue(body)
    # then
    assert verify(data["access_token"], audience=rs256_api.identifier)["gty"] == "password"


@pytest.mark.parametrize("method", ["get", "post"])
def test_api_jwt_with_userinfo_audience_works_at_userinfo(
    end_user, rs256_api, password_body, issue, userinfo, method
):
    # given
    token = issue(password_body(audience=rs256_api.identifier, scope="openid profile"))["access_token"]
    # when
    resp = userinfo(token, method=method)
    # then
    assert resp.status_code == 200
    assert resp.json()["sub"] == end_user.user_id
    assert resp.json()["name"] == "Alice Example"


def test_default_audience_applies_to_the_password_grant(tenant, rs256_api, password_body, issue, verify):
    # given
    tenant_update(tenant=tenant, default_audience=rs256_api)
    # when
    data = issue(password_body(scope="openid"))
    # then
    claims = verify(data["access_token"], audience=rs256_api.identifier)
    assert claims["aud"] == [rs256_api.identifier, USERINFO]


def test_rs256_api_without_openid_gives_a_single_audience_and_no_id_token(
    rs256_api, password_body, issue, verify
):
    # given
    body = password_body(audience=rs256_api.identifier, scope="read:items")
    # when
    data = issue(body)
    # then
    claims = verify(data["access_token"], audience=rs256_api.identifier)
    assert claims["aud"] == rs256_api.identifier
    assert "id_token" not in data


@pytest.mark.parametrize("alg", ["PS256", "ES256"])
def test_asymmetric_api_with_openid_gets_both_audiences(tenant, password_body, issue, verify, alg):
    # given
    api = factories.make_api(tenant, identifier=f"https://{alg.lower()}.acme.test/", signing_alg=alg)
    # when
    data = issue(password_body(audience=api.identifier, scope="openid"))
    # then
    claims = verify(data["access_token"], audience=api.identifier, alg=alg)
    assert claims["aud"] == [api.identifier, USERINFO]
    assert jwt.get_unverified_header(data["id_token"])["alg"] == "RS256"


def _assert_hs256_refusal(resp, api) -> None:
    body = assert_oauth_error(resp, 400, "invalid_request")
    description = body["error_description"]
    for needed in (api.identifier, "HS256", "RS256", "openid"):
        assert needed in description, (needed, description)
    assert "id_token" not in body


@pytest.mark.parametrize("grant", GRANTS)
@pytest.mark.parametrize("scope", ["openid", "openid profile email", "profile openid"])
def test_hs256_api_with_openid_is_refused(hs256_api, password_body, token_request, grant, scope):
    # given
    body = password_body(audience=hs256_api.identifier, scope=scope, **grant)
    # when
    resp = token_request(body)
    # then
    _assert_hs256_refusal(resp, hs256_api)


def test_hs256_default_audience_with_openid_is_refused(tenant, hs256_api, password_body, token_request):
    # given
    tenant_update(tenant=tenant, default_audience=hs256_api)
    # when
    resp = token_request(password_body(scope="openid profile"))
    # then
    _assert_hs256_refusal(resp, hs256_api)


def test_hs256_api_without_openid_gets_a_single_audience_jwt(end_user, hs256_api, password_body, issue):
    # given
    body = password_body(audience=hs256_api.identifier, scope="read:items")
    # when
    data = issue(body)
    # then
    header = jwt.get_unverified_header(data["access_token"])
    assert header["alg"] == "HS256"
    assert "kid" not in header
    claims = jwt.decode(
        data["access_token"],
        hs256_api.signing_secret,
        algorithms=["HS256"],
        audience=hs256_api.identifier,
        issuer=issuer_of("acme"),
    )
    assert claims["aud"] == hs256_api.identifier
    assert claims["sub"] == end_user.user_id


@pytest.mark.parametrize(
    "credentials",
    [
        {"password": "wrong password"},
        {"username": "nobody@example.test"},
        {"username": "ALICE@example.test", "password": "Correct Horse Battery Staple"},
    ],
    ids=["wrong_password_case", "unknown_user_case", "wrong_case_password_case"],
)
def test_bad_user_credentials_are_invalid_grant(rs256_api, password_body, token_request, credentials):
    # given
    body = password_body(audience=rs256_api.identifier, scope="openid", **credentials)
    # when
    resp = token_request(body)
    # then
    body = assert_oauth_error(resp, 400, "invalid_grant")
    assert "id_token" not in body


def test_user_of_another_tenant_cannot_log_in_here(other_tenant, password_body, token_request):
    # given: bob exists only in the other tenant
    bob = factories.make_user(other_tenant, email="bob@example.test")
    # when
    resp = token_request(password_body(username=bob.email, scope="openid"))
    # then
    assert_oauth_error(resp, 400, "invalid_grant")


def test_password_realm_refuses_another_realm(password_body, token_request):
    # given
    body = password_body(grant_type=PASSWORD_REALM, scope="openid", realm="Other-Database")
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(
        resp,
        400,
        "invalid_request",
        'Unknown realm "Other-Database": this tenant\'s user database is "Username-Password-Authentication".',
    )


@pytest.mark.parametrize("realm", ["", None], ids=["empty_case", "missing_case"])
def test_password_realm_without_realm_means_the_user_database(password_body, issue, realm):
    # given: auth0-python's GetToken.login sends realm=None unless told otherwise
    body = password_body(grant_type=PASSWORD_REALM, scope="openid")
    if realm is not None:
        body["realm"] = realm
    # when
    answer = issue(body)
    # then
    assert answer["access_token"].startswith("authport_opaque_")
    assert answer["id_token"].count(".") == 2


@pytest.mark.parametrize("missing", ["username", "password"])
def test_missing_user_credentials_are_invalid_request(password_body, token_request, missing):
    # given
    body = password_body(scope="openid")
    del body[missing]
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(resp, 400, "invalid_request")


# RBAC (SPEC 2.7).


@pytest.fixture
def rbac_api(tenant):
    return factories.make_api(tenant, identifier="https://rbac.acme.test/", enforce_policies=True)


def test_rbac_user_without_permissions_is_refused(rbac_api, password_body, token_request):
    # given
    body = password_body(audience=rbac_api.identifier, scope="read:items")
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(resp, 400, "invalid_scope", "User is not authorized to the audience for those scopes")


@pytest.mark.parametrize("via", ["user", "role"], ids=["direct_case", "role_case"])
def test_rbac_scope_is_limited_to_the_users_permissions(
    tenant, end_user, rbac_api, password_body, issue, verify, via
):
    # given
    if via == "user":
        permissions_add(resource_server=rbac_api, permission_names=["read:items"], user=end_user)
    else:
        role = role_create(tenant=tenant, name="Reader")
        permissions_add(resource_server=rbac_api, permission_names=["read:items"], role=role)
        user_roles_add(user=end_user, roles=[role])
    # when
    data = issue(password_body(audience=rbac_api.identifier, scope="read:items write:items"))
    # then
    claims = verify(data["access_token"], audience=rbac_api.identifier)
    assert claims["scope"] == "read:items"
    assert data["scope"] == "read:items"


def test_rbac_permissions_of_another_api_do_not_count(
    tenant, end_user, rbac_api, rs256_api, password_body, token_request
):
    # given: alice may read:items on a different API only
    permissions_add(resource_server=rs256_api, permission_names=["read:items"], user=end_user)
    # when
    resp = token_request(password_body(audience=rbac_api.identifier, scope="read:items"))
    # then
    assert_oauth_error(resp, 400, "invalid_scope", "User is not authorized to the audience for those scopes")


def test_expires_in_is_the_apis_token_lifetime(tenant, password_body, issue, verify):
    # given
    api = factories.make_api(
        tenant, identifier="https://short.acme.test/", token_lifetime=900, token_lifetime_for_web=60
    )
    # when
    data = issue(password_body(audience=api.identifier, scope="openid"))
    # then
    assert data["expires_in"] == 900
    claims = verify(data["access_token"], audience=api.identifier)
    assert claims["exp"] - claims["iat"] == 900


@pytest.mark.parametrize(
    ("scope", "present", "absent"),
    [
        ("openid", set(), {"name", "email", "email_verified"}),
        ("openid profile", {"name"}, {"email", "email_verified"}),
        ("openid email", {"email", "email_verified"}, {"name"}),
    ],
    ids=["openid_case", "profile_case", "email_case"],
)
def test_id_token_claims_follow_the_scope(password_app, password_body, issue, verify, scope, present, absent):
    # given
    body = password_body(scope=scope)
    # when
    id_claims = verify(issue(body)["id_token"], audience=password_app.client_id)
    # then
    assert present <= set(id_claims)
    assert not absent & set(id_claims)
    assert id_claims["exp"] - id_claims["iat"] == password_app.client.jwt_lifetime_in_seconds


def test_offline_access_gives_a_refresh_token_that_keeps_the_audience(
    tenant, password_app, password_body, issue, verify
):
    # given: an API that allows offline access, and a client with the refresh_token grant
    from clients.services import client_update

    api = factories.make_api(tenant, identifier="https://offline.acme.test/", allow_offline_access=True)
    client_update(client=password_app.client, grant_types=[*password_app.client.grant_types, "refresh_token"])
    # when
    first = issue(password_body(audience=api.identifier, scope="openid offline_access read:items"))
    refreshed = issue(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], **password_app.creds}
    )
    # then
    assert first["refresh_token"].startswith("authport_rt_")
    assert first["scope"] == "openid offline_access read:items"
    claims = verify(refreshed["access_token"], audience=api.identifier)
    assert claims["aud"] == [api.identifier, USERINFO]
    assert claims["gty"] == "refresh_token"


def test_offline_access_is_dropped_when_the_api_does_not_allow_it(rs256_api, password_body, issue):
    # when: the API does not allow offline access
    body = issue(password_body(audience=rs256_api.identifier, scope="openid offline_access"))
    # then
    assert "refresh_token" not in body
    assert body["scope"] == "openid"
