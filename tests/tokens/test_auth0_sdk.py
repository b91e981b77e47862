"""Auth0's Python SDK (auth0-python) authentication client against a live Authport: the token
endpoint, /userinfo, refresh and revocation answer it as Auth0 would (SPEC sections 2-3)."""

import jwt
import pytest
from auth0.authentication import GetToken, RevokeToken, Users
from auth0.authentication.exceptions import Auth0Error

from clients.models import Client
from provisioning.services import tenant_provision
from tests import factories


@pytest.fixture
def world(live_server, settings, transactional_db):
    """A tenant whose issuer is the live server, an RS256 API that allows refresh tokens, two clients and a user."""
    settings.PUBLIC_URL = live_server.url
    tenant = tenant_provision(slug="acme").tenant
    api = factories.make_api(tenant, identifier="https://api.acme.test/", allow_offline_access=True)
    hs256 = factories.make_api(tenant, identifier="https://hs.acme.test/", signing_alg="HS256")
    m2m, m2m_secret = factories.make_client(tenant, name="M2M")
    factories.make_grant(m2m, api)
    web, web_secret = factories.make_client(
        tenant,
        name="Web",
        app_type=Client.AppType.REGULAR_WEB,
        grant_types=[
            Client.GrantType.PASSWORD_REALM,
            Client.GrantType.PASSWORD,
            Client.GrantType.REFRESH_TOKEN,
        ],
    )
    user = factories.make_user(tenant)
    domain = live_server.url.removeprefix("http://") + "/acme"
    return {
        "tenant": tenant,
        "api": api,
        "hs256": hs256,
        "domain": domain,
        "user": user,
        "m2m": GetToken(domain, m2m.client_id, client_secret=m2m_secret, protocol="http"),
        "web": GetToken(domain, web.client_id, client_secret=web_secret, protocol="http"),
        "web_revoke": RevokeToken(domain, web.client_id, client_secret=web_secret, protocol="http"),
        "jwks": jwt.PyJWKClient(f"{live_server.url}/acme/.well-known/jwks.json"),
    }


def test_client_credentials_jwt_verifies_with_the_jwks(world):
    # when
    token = world["m2m"].client_credentials(audience=world["api"].identifier)
    # then
    key = world["jwks"].get_signing_key_from_jwt(token["access_token"])
    claims = jwt.decode(
        token["access_token"],
        key.key,
        algorithms=["RS256"],
        audience=world["api"].identifier,
        issuer=world["tenant"].issuer,
    )
    assert claims["gty"] == "client-credentials"
    assert token["token_type"] == "Bearer"


def test_sdk_sees_auth0_errors(world):
    # when / then: an unregistered audience
    with pytest.raises(Auth0Error) as raised:
        world["m2m"].client_credentials(audience="https://nope.test/")
    assert (raised.value.status_code, raised.value.error_code) == (403, "access_denied")
    assert raised.value.message == "Service not enabled within domain: https://nope.test/"


def test_login_without_audience_gives_an_opaque_token_that_userinfo_accepts(world):
    # when: GetToken.login uses the password-realm grant
    token = world["web"].login(
        world["user"].email,
        factories.DEFAULT_PASSWORD,
        realm="Username-Password-Authentication",
        scope="openid profile email",
    )
    profile = Users(world["domain"], protocol="http").userinfo(token["access_token"])
    # then
    assert token["access_token"].startswith("authport_opaque_")
    assert profile["sub"] == world["user"].user_id
    assert profile["email"] == world["user"].email


def test_login_with_an_api_gives_a_two_audience_jwt_that_userinfo_accepts(world):
    # when
    token = world["web"].login(
        world["user"].email, factories.DEFAULT_PASSWORD, scope="openid", audience=world["api"].identifier
    )
    # then
    key = world["jwks"].get_signing_key_from_jwt(token["access_token"])
    claims = jwt.decode(
        token["access_token"], key.key, algorithms=["RS256"], audience=world["api"].identifier
    )
    assert claims["aud"] == [world["api"].identifier, world["tenant"].userinfo_audience]
    assert (
        Users(world["domain"], protocol="http").userinfo(token["access_token"])["sub"]
        == world["user"].user_id
    )


def test_login_for_an_hs256_api_with_openid_is_refused_with_the_reason(world):
    # when / then
    with pytest.raises(Auth0Error) as raised:
        world["web"].login(
            world["user"].email,
            factories.DEFAULT_PASSWORD,
            scope="openid",
            audience=world["hs256"].identifier,
        )
    assert (raised.value.status_code, raised.value.error_code) == (400, "invalid_request")
    assert "HS256" in raised.value.message
    assert world["hs256"].identifier in raised.value.message


def test_refresh_keeps_the_audience_and_revocation_ends_the_family(world):
    # given
    first = world["web"].login(
        world["user"].email,
        factories.DEFAULT_PASSWORD,
        scope="openid offline_access",
        audience=world["api"].identifier,
    )
    # when
    refreshed = world["web"].refresh_token(first["refresh_token"])
    world["web_revoke"].revoke_refresh_token(refreshed["refresh_token"])
    # then
    claims = jwt.decode(refreshed["access_token"], options={"verify_signature": False})
    assert claims["aud"] == [world["api"].identifier, world["tenant"].userinfo_audience]
    with pytest.raises(Auth0Error) as raised:
        world["web"].refresh_token(refreshed["refresh_token"])
    assert raised.value.error_code == "invalid_grant"


def test_id_token_passes_the_sdks_token_verifier(world, live_server):
    # given
    from auth0.authentication.token_verifier import AsymmetricSignatureVerifier, TokenVerifier

    token = world["web"].login(world["user"].email, factories.DEFAULT_PASSWORD, scope="openid profile")
    verifier = TokenVerifier(
        signature_verifier=AsymmetricSignatureVerifier(f"{live_server.url}/acme/.well-known/jwks.json"),
        issuer=world["tenant"].issuer,
        audience=world["web"].client_id,
    )
    # when
    claims = verifier.verify(token["id_token"])
    # then
    assert claims["sub"] == world["user"].user_id
    assert claims["name"] == world["user"].name
