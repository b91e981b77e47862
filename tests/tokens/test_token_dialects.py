"""Access token dialects: Auth0's access_token(_authz) and the RFC 9068 profiles (SPEC 3)."""

import jwt
import pytest

from accounts.services import permissions_add
from tests import factories


@pytest.mark.parametrize(
    ("dialect", "typ", "has_permissions"),
    [
        ("access_token", "JWT", False),
        ("access_token_authz", "JWT", True),
        ("rfc9068_profile", "at+jwt", False),
        ("rfc9068_profile_authz", "at+jwt", True),
    ],
)
def test_client_credentials_token_follows_the_apis_dialect(
    tenant, m2m_app, cc_body, issue, verify, dialect, typ, has_permissions
):
    # given
    api = factories.make_api(tenant, identifier=f"https://{dialect}.acme.test/", token_dialect=dialect)
    factories.make_grant(m2m_app.client, api, scope=["read:items"])
    # when
    data = issue(cc_body(audience=api.identifier))
    # then
    token = data["access_token"]
    assert jwt.get_unverified_header(token)["typ"] == typ
    claims = verify(token, audience=api.identifier)
    assert claims["sub"] == f"{m2m_app.client_id}@clients"
    assert claims["scope"] == "read:items"
    assert isinstance(claims["jti"], str)
    assert claims["jti"]
    if dialect.startswith("rfc9068"):
        assert claims["client_id"] == m2m_app.client_id
        assert "azp" not in claims
        assert "gty" not in claims
    else:
        assert claims["azp"] == m2m_app.client_id
        assert "client_id" not in claims
        assert claims["gty"] == "client-credentials"
    if has_permissions:
        assert claims["permissions"] == ["read:items"]
    else:
        assert "permissions" not in claims


@pytest.mark.parametrize("dialect", ["access_token_authz", "rfc9068_profile_authz"])
def test_user_token_of_an_authz_dialect_lists_the_users_permissions(
    tenant, end_user, password_body, issue, verify, dialect
):
    # given
    api = factories.make_api(
        tenant, identifier="https://authz.acme.test/", token_dialect=dialect, enforce_policies=True
    )
    permissions_add(resource_server=api, permission_names=["read:items"], user=end_user)
    # when
    data = issue(password_body(audience=api.identifier, scope="read:items"))
    # then
    claims = verify(data["access_token"], audience=api.identifier)
    assert claims["sub"] == end_user.user_id
    assert claims["permissions"] == ["read:items"]
    assert claims["scope"] == "read:items"


def test_rfc9068_user_token_has_client_id_and_no_gty(
    tenant, end_user, password_app, password_body, issue, verify
):
    # given
    api = factories.make_api(tenant, identifier="https://rfc.acme.test/", token_dialect="rfc9068_profile")
    # when
    data = issue(password_body(audience=api.identifier, scope="read:items"))
    # then
    token = data["access_token"]
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
    claims = verify(token, audience=api.identifier)
    assert claims["client_id"] == password_app.client_id
    assert "azp" not in claims
    assert "gty" not in claims
    assert claims["sub"] == end_user.user_id
