"""Management API: tenant settings (the Default Audience) and signing keys (SPEC sections 4 and 5)."""

import jwt
import pytest
from django.test import Client as HttpClient

from tenants.keys import certificate_facts
from tenants.models import SigningKey, Tenant
from tenants.services import signing_keys_rotate
from tests import factories
from tests.management.conftest import assert_error, token_for


def test_settings_answer_auth0_fields(mgmt):
    # when
    response = mgmt("GET", "tenants/settings")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "friendly_name": "Acme",
        "default_audience": "",
        "session_lifetime": 168,  # Auth0's defaults: 168 hours absolute, 72 hours idle
        "session_lifetime_in_minutes": 10080,
        "idle_session_lifetime": 72,
        "idle_session_lifetime_in_minutes": 4320,
    }


def test_default_audience_applies_to_token_requests_without_audience(mgmt, tenant, rs256_api, m2m_app):
    # when
    response = mgmt("PATCH", "tenants/settings", {"default_audience": rs256_api.identifier})

    # then
    assert (response.status_code, response.json()["default_audience"]) == (200, rs256_api.identifier)
    assert Tenant.objects.get(pk=tenant.pk).default_audience_id == rs256_api.pk
    token = HttpClient().post(
        f"/{tenant.slug}/oauth/token", {"grant_type": "client_credentials", **m2m_app.creds}
    )
    assert token.status_code == 200, token.content
    assert (
        jwt.decode(token.json()["access_token"], options={"verify_signature": False})["aud"]
        == rs256_api.identifier
    )


@pytest.mark.parametrize("cleared", ["", None], ids=["empty-string", "null"])
def test_default_audience_is_cleared_by_empty_string_or_null(mgmt, tenant, rs256_api, cleared):
    # given
    mgmt("PATCH", "tenants/settings", {"default_audience": rs256_api.identifier})

    # when
    response = mgmt("PATCH", "tenants/settings", {"default_audience": cleared})

    # then
    assert (response.status_code, response.json()["default_audience"]) == (200, "")
    assert Tenant.objects.get(pk=tenant.pk).default_audience_id is None


def test_patch_without_default_audience_keeps_it(mgmt, tenant, rs256_api):
    # given
    mgmt("PATCH", "tenants/settings", {"default_audience": rs256_api.identifier})

    # when
    response = mgmt("PATCH", "tenants/settings", {"friendly_name": "Acme Corp", "session_lifetime": 24})

    # then
    assert response.json() == {
        "friendly_name": "Acme Corp",
        "default_audience": rs256_api.identifier,
        "session_lifetime": 24,
        "session_lifetime_in_minutes": 1440,
        "idle_session_lifetime": 72,
        "idle_session_lifetime_in_minutes": 4320,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"default_audience": "https://nowhere.test/"}, "default_audience", id="unknown-api"),
        pytest.param(
            {"default_audience": "https://theirs.test/"}, "default_audience", id="another-tenants-api"
        ),
        pytest.param(
            {"default_audience": "https://api.acme.test"}, "default_audience", id="missing-trailing-slash"
        ),
        pytest.param({"default_audience": 7}, "default_audience", id="not-a-string"),
        pytest.param({"session_lifetime": 0}, "session_lifetime", id="lifetime-zero"),
        pytest.param({"session_lifetime": 8761}, "session_lifetime", id="lifetime-over-a-year"),
        pytest.param({"session_lifetime": "24"}, "session_lifetime", id="lifetime-as-string"),
        pytest.param({"friendly_name": "x" * 201}, "friendly_name", id="name-too-long"),
        pytest.param({"not_an_auth0_setting": 1}, "not_an_auth0_setting", id="outside-auth0-schema"),
    ],
)
def test_bad_settings_are_400_and_change_nothing(mgmt, tenant, other_tenant, rs256_api, body, field):
    # given
    factories.make_api(other_tenant, identifier="https://theirs.test/")

    # when
    response = mgmt("PATCH", "tenants/settings", body)

    # then
    error = assert_error(response, 400, "invalid_body")
    assert f"property {field}" in error["message"] or f"not allowed: {field}" in error["message"], error
    unchanged = Tenant.objects.get(pk=tenant.pk)
    assert (
        unchanged.default_audience_id,
        unchanged.session_lifetime_in_minutes,
        unchanged.friendly_name,
    ) == (
        None,
        10080,
        "Acme",
    )


def test_signing_keys_are_auth0_objects(mgmt, tenant):
    # given
    current = SigningKey.objects.for_tenant(tenant).get(alg="RS256", state="current")

    # when
    response = mgmt("GET", "keys/signing")

    # then
    assert response.status_code == 200
    keys = {k["kid"]: k for k in response.json()}
    assert set(keys) == set(SigningKey.objects.for_tenant(tenant).values_list("kid", flat=True))
    key = keys[current.kid]
    facts = certificate_facts(current.cert_pem)
    assert key == {
        "kid": current.kid,
        "alg": "RS256",
        "cert": current.cert_pem,
        "pkcs7": facts["pkcs7"],
        "fingerprint": facts["fingerprint"],
        "thumbprint": facts["thumbprint"],
        "current": True,
        "next": False,
        "previous": False,
        "revoked": False,
        "current_since": key["current_since"],
        "current_until": None,
        "revoked_at": None,
    }
    assert key["current_since"].startswith(current.current_since.strftime("%Y-%m-%dT%H:%M:%S"))
    assert mgmt("GET", f"keys/signing/{current.kid}").json() == key


def test_rotate_answers_the_new_next_key_and_revoke_the_revoked_one(mgmt, tenant):
    # given
    before = {k.state: k.kid for k in SigningKey.objects.for_tenant(tenant).filter(alg="RS256")}

    # when
    rotated = mgmt("POST", "keys/signing/rotate")

    # then
    assert rotated.status_code == 201
    states = {k.state: k for k in SigningKey.objects.for_tenant(tenant).filter(alg="RS256")}
    assert (states["previous"].kid, states["current"].kid) == (before["current"], before["next"])
    assert rotated.json() == {"cert": states["next"].cert_pem, "kid": states["next"].kid}

    # when
    revoked = mgmt("PUT", f"keys/signing/{before['current']}/revoke")

    # then
    assert revoked.status_code == 200
    assert revoked.json() == {"cert": states["previous"].cert_pem, "kid": before["current"]}
    mgmt.token = token_for(tenant, ["read:signing_keys"])  # ours was signed by the key just revoked
    listed = mgmt("GET", f"keys/signing/{before['current']}").json()
    assert (listed["revoked"], listed["previous"]) == (True, False)
    assert listed["revoked_at"] is not None


@pytest.mark.parametrize("state", ["current", "next"])
def test_only_a_previous_key_can_be_revoked(mgmt, tenant, state):
    # given
    key = SigningKey.objects.for_tenant(tenant).get(alg="RS256", state=state)

    # when
    response = mgmt("PUT", f"keys/signing/{key.kid}/revoke")

    # then
    assert_error(response, 400, "invalid_state")
    assert SigningKey.objects.get(pk=key.pk).state == state


def test_keys_of_another_tenant_are_404(mgmt, other_tenant):
    # given
    signing_keys_rotate(tenant=other_tenant)
    previous = SigningKey.objects.for_tenant(other_tenant).get(alg="RS256", state="previous")

    # when
    read = mgmt("GET", f"keys/signing/{previous.kid}")
    revoke = mgmt("PUT", f"keys/signing/{previous.kid}/revoke")

    # then
    assert_error(read, 404, "inexistent_signing_key", "Signing key not found.")
    assert_error(revoke, 404, "inexistent_signing_key", "Signing key not found.")
    assert SigningKey.objects.get(pk=previous.pk).state == "previous"
    assert previous.kid not in {k["kid"] for k in mgmt("GET", "keys/signing").json()}


def test_token_signed_by_a_revoked_key_is_refused(mgmt, tenant, api_token):
    # given: the caller's token was signed by the key that is now previous, then revoked
    mgmt("POST", "keys/signing/rotate")
    kid = jwt.get_unverified_header(api_token)["kid"]
    assert mgmt("GET", "keys/signing").status_code == 200  # previous keys still verify

    # when
    mgmt("PUT", f"keys/signing/{kid}/revoke")

    # then
    assert assert_error(mgmt("GET", "keys/signing"), 401, "invalid_token")["message"].startswith(
        "Invalid token. "
    )
