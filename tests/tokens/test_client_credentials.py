"""client_credentials at /{slug}/oauth/token: audience resolution, scopes and the token (SPEC 2, 3)."""

import time

import jwt
import pytest

from clients.models import Client
from clients.services import client_rotate_secret
from tenants.selectors import signing_key_current
from tenants.services import tenant_update
from tests import factories
from tests.conftest import App
from tests.tokens.conftest import assert_no_store, assert_oauth_error, basic_auth, issuer_of, make_app


def test_rs256_api_gets_a_jwt_a_resource_server_accepts(
    tenant, rs256_api, m2m_app, token_request, jwks, verify
):
    # given
    body = {"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds}
    # when
    resp = token_request(body)
    # then
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/json")
    assert_no_store(resp)
    data = resp.json()
    assert data["token_type"] == "Bearer"
    assert data["expires_in"] == 86400
    assert "id_token" not in data
    assert "refresh_token" not in data
    token = data["access_token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert header["typ"] == "JWT"
    assert header["kid"] in {k["kid"] for k in jwks()["keys"]}
    assert header["kid"] == signing_key_current(tenant=tenant, alg="RS256").kid
    claims = verify(token, audience=rs256_api.identifier)
    assert claims["iss"] == issuer_of("acme")
    assert claims["sub"] == f"{m2m_app.client_id}@clients"
    assert claims["aud"] == rs256_api.identifier
    assert claims["azp"] == m2m_app.client_id
    assert claims["gty"] == "client-credentials"
    assert claims["exp"] - claims["iat"] == rs256_api.token_lifetime
    assert sorted(claims["scope"].split()) == ["read:items", "write:items"]
    assert sorted(data["scope"].split()) == ["read:items", "write:items"]
    assert isinstance(claims["jti"], str)
    assert len(claims["jti"]) >= 16
    assert "permissions" not in claims


def test_each_token_has_its_own_jti(rs256_api, cc_body, issue):
    # given
    body = cc_body(audience=rs256_api.identifier)
    # when
    first, second = issue(body)["access_token"], issue(body)["access_token"]
    # then
    jtis = {jwt.decode(t, options={"verify_signature": False})["jti"] for t in (first, second)}
    assert len(jtis) == 2


def test_hs256_api_gets_a_jwt_signed_with_its_secret_and_no_kid(hs256_api, cc_body, issue):
    # given
    body = cc_body(audience=hs256_api.identifier)
    # when
    data = issue(body)
    # then
    header = jwt.get_unverified_header(data["access_token"])
    assert header["alg"] == "HS256"
    assert header["typ"] == "JWT"
    assert "kid" not in header
    claims = jwt.decode(
        data["access_token"],
        hs256_api.signing_secret,
        algorithms=["HS256"],
        audience=hs256_api.identifier,
        issuer=issuer_of("acme"),
    )
    assert claims["aud"] == hs256_api.identifier
    assert claims["sub"].endswith("@clients")
    assert claims["gty"] == "client-credentials"


@pytest.mark.parametrize("alg", ["PS256", "ES256"], ids=["ps256_case", "es256_case"])
def test_asymmetric_api_gets_a_jwt_signed_with_that_algorithms_current_key(
    tenant, m2m_app, alg, cc_body, issue, jwks, verify
):
    # given
    api = factories.make_api(tenant, identifier=f"https://{alg.lower()}.acme.test/", signing_alg=alg)
    factories.make_grant(m2m_app.client, api)
    # when
    data = issue(cc_body(audience=api.identifier))
    # then
    header = jwt.get_unverified_header(data["access_token"])
    assert header["kid"] == signing_key_current(tenant=tenant, alg=alg).kid
    published = {k["kid"]: k for k in jwks()["keys"]}
    assert published[header["kid"]]["alg"] == alg
    claims = verify(data["access_token"], audience=api.identifier, alg=alg)
    assert claims["aud"] == api.identifier


def test_token_lifetime_is_the_apis(tenant, m2m_app, cc_body, issue, verify):
    # given
    api = factories.make_api(
        tenant, identifier="https://short.acme.test/", token_lifetime=600, token_lifetime_for_web=60
    )
    factories.make_grant(m2m_app.client, api)
    # when
    data = issue(cc_body(audience=api.identifier))
    # then
    assert data["expires_in"] == 600
    claims = verify(data["access_token"], audience=api.identifier)
    assert claims["exp"] - claims["iat"] == 600


# Scope: requested ∩ granted, or all granted when none is requested (SPEC 2.6).


@pytest.mark.parametrize(
    ("grant_scope", "requested", "expected"),
    [
        (["read:items", "write:items"], None, ["read:items", "write:items"]),
        (["read:items", "write:items"], "read:items", ["read:items"]),
        (["read:items"], "read:items write:items", ["read:items"]),
        (["read:items", "write:items"], "read:items delete:everything", ["read:items"]),
        (["read:items"], "", ["read:items"]),
    ],
    ids=[
        "none_requested_case",
        "subset_case",
        "outside_grant_case",
        "unknown_scope_case",
        "empty_scope_case",
    ],
)
def test_scope_is_the_requested_part_of_the_grant(
    tenant, rs256_api, grant_scope, requested, expected, issue, verify
):
    # given
    app = make_app(tenant, name="Scoped M2M")
    factories.make_grant(app.client, rs256_api, scope=grant_scope)
    body = {"grant_type": "client_credentials", "audience": rs256_api.identifier, **app.creds}
    if requested is not None:
        body["scope"] = requested
    # when
    data = issue(body)
    # then
    claims = verify(data["access_token"], audience=rs256_api.identifier)
    assert sorted(claims["scope"].split()) == expected
    assert sorted(data["scope"].split()) == expected


# Audience resolution (SPEC 2.1, 2.2, 2.4, 2.6).


@pytest.mark.parametrize(
    "audience",
    ["https://nope.acme.test/", "https://api.acme.test", "https://API.acme.test/", "https://api.acme.test//"],
    ids=["unregistered_case", "missing_trailing_slash_case", "other_case_case", "extra_slash_case"],
)
def test_audience_that_is_not_exactly_an_api_is_refused(rs256_api, cc_body, token_request, audience):
    # given
    body = cc_body(audience=audience)
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(resp, 403, "access_denied", f"Service not enabled within domain: {audience}")


def test_api_without_trailing_slash_is_not_reached_with_one(tenant, m2m_app, cc_body, token_request, issue):
    # given
    api = factories.make_api(tenant, identifier="https://bare.acme.test")
    factories.make_grant(m2m_app.client, api)
    # when
    refused = token_request(cc_body(audience="https://bare.acme.test/"))
    issued = issue(cc_body(audience="https://bare.acme.test"))
    # then
    assert_oauth_error(
        refused, 403, "access_denied", "Service not enabled within domain: https://bare.acme.test/"
    )
    assert (
        jwt.decode(issued["access_token"], options={"verify_signature": False})["aud"]
        == "https://bare.acme.test"
    )


def test_api_of_another_tenant_is_not_enabled_here(other_tenant, m2m_app, cc_body, token_request):
    # given
    other_api = factories.make_api(other_tenant, identifier="https://api.other.test/")
    # when
    resp = token_request(cc_body(audience=other_api.identifier))
    # then
    assert_oauth_error(
        resp, 403, "access_denied", "Service not enabled within domain: https://api.other.test/"
    )


def test_client_without_grant_for_the_api_is_refused(tenant, rs256_api, token_request):
    # given
    app = make_app(tenant, name="Ungranted")
    body = {"grant_type": "client_credentials", "audience": rs256_api.identifier, **app.creds}
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(
        resp,
        403,
        "access_denied",
        'Client is not authorized to access "https://api.acme.test/". '
        'You need to create a "client-grant" associated to this API.',
    )


def test_no_audience_and_no_default_audience_is_refused(cc_body, token_request):
    # given
    body = cc_body()
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(
        resp,
        403,
        "access_denied",
        "No audience parameter was provided, and no default audience has been configured",
    )


@pytest.mark.parametrize(
    "absent", ["missing", None, ""], ids=["missing_case", "null_case", "empty_string_case"]
)
def test_default_audience_applies_to_client_credentials(tenant, rs256_api, cc_body, issue, verify, absent):
    # given
    tenant_update(tenant=tenant, default_audience=rs256_api)
    body = cc_body() if absent == "missing" else cc_body(audience=absent)
    # when
    data = issue(body)
    # then
    claims = verify(data["access_token"], audience=rs256_api.identifier)
    assert claims["aud"] == rs256_api.identifier


@pytest.mark.parametrize("absent", [None, ""], ids=["null_case", "empty_string_case"])
def test_null_or_empty_audience_without_default_is_no_audience(cc_body, token_request, absent):
    # given
    body = cc_body(audience=absent)
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(
        resp,
        403,
        "access_denied",
        "No audience parameter was provided, and no default audience has been configured",
    )


def test_null_scope_means_all_granted_scopes(rs256_api, cc_body, issue, verify):
    # given
    body = cc_body(audience=rs256_api.identifier, scope=None)
    # when
    data = issue(body)
    # then
    claims = verify(data["access_token"], audience=rs256_api.identifier)
    assert sorted(claims["scope"].split()) == ["read:items", "write:items"]


def test_explicit_audience_overrides_default_audience(tenant, rs256_api, hs256_api, cc_body, issue):
    # given
    tenant_update(tenant=tenant, default_audience=rs256_api)
    # when
    data = issue(cc_body(audience=hs256_api.identifier))
    # then
    claims = jwt.decode(
        data["access_token"], hs256_api.signing_secret, algorithms=["HS256"], audience=hs256_api.identifier
    )
    assert claims["aud"] == hs256_api.identifier


@pytest.mark.parametrize("with_audience", [False, True], ids=["resource_only_case", "same_audience_case"])
def test_resource_parameter_works_like_audience(rs256_api, cc_body, issue, verify, with_audience):
    # given
    body = cc_body(resource=rs256_api.identifier)
    if with_audience:
        body["audience"] = rs256_api.identifier
    # when
    data = issue(body)
    # then
    claims = verify(data["access_token"], audience=rs256_api.identifier)
    assert claims["aud"] == rs256_api.identifier


def test_unregistered_resource_is_refused_like_an_audience(rs256_api, cc_body, token_request):
    # given
    body = cc_body(resource="https://nope.acme.test/")
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(
        resp, 403, "access_denied", "Service not enabled within domain: https://nope.acme.test/"
    )


def test_audience_and_resource_that_differ_are_refused(rs256_api, hs256_api, cc_body, token_request):
    # given
    body = cc_body(audience=rs256_api.identifier, resource=hs256_api.identifier)
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(resp, 400, "invalid_request")


@pytest.mark.parametrize("form", [False, True], ids=["json_case", "form_case"])
def test_json_and_form_bodies_are_equivalent(rs256_api, cc_body, issue, verify, form):
    # given
    body = cc_body(audience=rs256_api.identifier, scope="read:items")
    # when
    data = issue(body, form=form)
    # then
    claims = verify(data["access_token"], audience=rs256_api.identifier)
    assert claims["scope"] == "read:items"


def test_client_secret_basic_authenticates(tenant, rs256_api, token_request, verify):
    # given
    app = make_app(tenant, name="Basic M2M", token_endpoint_auth_method="client_secret_basic")
    factories.make_grant(app.client, rs256_api)
    body = {"grant_type": "client_credentials", "audience": rs256_api.identifier}
    # when
    resp = token_request(body, form=True, HTTP_AUTHORIZATION=basic_auth(app.client_id, app.secret))
    # then
    assert resp.status_code == 200
    claims = verify(resp.json()["access_token"], audience=rs256_api.identifier)
    assert claims["sub"] == f"{app.client_id}@clients"


def test_wrong_secret_over_basic_is_401_with_a_basic_challenge(tenant, rs256_api, token_request):
    # given
    app = make_app(tenant, name="Basic M2M", token_endpoint_auth_method="client_secret_basic")
    factories.make_grant(app.client, rs256_api)
    body = {"grant_type": "client_credentials", "audience": rs256_api.identifier}
    # when
    resp = token_request(body, form=True, HTTP_AUTHORIZATION=basic_auth(app.client_id, app.secret + "x"))
    # then
    assert_oauth_error(resp, 401, "invalid_client")
    assert resp["WWW-Authenticate"].lower().startswith("basic")  # RFC 6749 section 5.2


@pytest.mark.parametrize(
    "creds",
    [
        {"client_secret": "not-the-secret"},
        {"client_secret": None},
        {"client_id": "NoSuchClient0000000000000000000", "client_secret": "whatever"},
        {"client_id": None, "client_secret": None},
    ],
    ids=["wrong_secret_case", "missing_secret_case", "unknown_client_case", "no_client_case"],
)
def test_client_that_does_not_authenticate_is_401(rs256_api, m2m_app, cc_body, token_request, creds):
    # given
    body = {k: v for k, v in cc_body(audience=rs256_api.identifier, **creds).items() if v is not None}
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(resp, 401, "invalid_client")


def test_client_of_another_tenant_is_unknown_here(other_tenant, rs256_api, cc_body, token_request):
    # given: acme's m2m client, presented at other's token endpoint
    body = cc_body(audience=rs256_api.identifier)
    # when
    resp = token_request(body, slug="other")
    # then
    assert_oauth_error(resp, 401, "invalid_client")


def test_unknown_tenant_token_endpoint_is_404(cc_body, rs256_api, token_request):
    # given
    body = cc_body(audience=rs256_api.identifier)
    # when
    resp = token_request(body, slug="nosuch")
    # then
    assert resp.status_code == 404


def test_issued_at_is_now(rs256_api, cc_body, issue, verify):
    # given
    before = int(time.time())
    # when
    data = issue(cc_body(audience=rs256_api.identifier))
    # then
    claims = verify(data["access_token"], audience=rs256_api.identifier)
    assert before - 1 <= claims["iat"] <= int(time.time()) + 1


def test_openid_does_not_add_userinfo_for_client_credentials(hs256_api, cc_body, issue):
    # given: SPEC 2.3 adds userinfo only for grants that act for a user, so HS256 is fine here
    body = cc_body(audience=hs256_api.identifier, scope="openid read:items")
    # when
    data = issue(body)
    # then
    claims = jwt.decode(
        data["access_token"], hs256_api.signing_secret, algorithms=["HS256"], audience=hs256_api.identifier
    )
    assert claims["aud"] == hs256_api.identifier
    assert claims["scope"] == "read:items"
    assert "id_token" not in data


@pytest.fixture
def management_app(tenant):
    """The provisioned management client, with a fresh secret we know."""
    mgmt = Client.objects.for_tenant(tenant).get(name=f"{tenant.slug} management client")
    return App(mgmt, client_rotate_secret(client=mgmt))


def test_management_audience_is_an_api_of_every_tenant(management_app, issue, verify):
    # given
    audience = f"{issuer_of('acme')}api/v2/"
    body = {
        "grant_type": "client_credentials",
        "audience": audience,
        "scope": "read:clients",
        **management_app.creds,
    }
    # when
    data = issue(body)
    # then
    claims = verify(data["access_token"], audience=audience)
    assert claims["aud"] == audience
    assert claims["scope"] == "read:clients"


def test_management_audience_needs_a_grant_too(m2m_app, cc_body, token_request):
    # given
    audience = f"{issuer_of('acme')}api/v2/"
    # when
    resp = token_request(cc_body(audience=audience))
    # then
    assert_oauth_error(
        resp,
        403,
        "access_denied",
        f'Client is not authorized to access "{audience}". You need to create a "client-grant" associated to this API.',
    )


def test_empty_form_audience_means_absent(tenant, rs256_api, cc_body, issue, verify):
    # given
    tenant_update(tenant=tenant, default_audience=rs256_api)
    # when
    data = issue(cc_body(audience="", scope=""), form=True)
    # then
    claims = verify(data["access_token"], audience=rs256_api.identifier)
    assert claims["aud"] == rs256_api.identifier
    assert sorted(claims["scope"].split()) == ["read:items", "write:items"]
