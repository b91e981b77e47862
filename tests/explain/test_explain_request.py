"""The five cases of the token explainer (SPEC section 7), on the function and the command line."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tokens.explanation.explain import explain_request


def run_command(*args) -> dict:
    out = StringIO()
    call_command("explain_token", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def explain_both(tenant, **request) -> list[dict]:
    """The same dry run through the function and through `manage.py explain_token`; both must agree."""
    args = [
        "--tenant",
        tenant.slug,
        "--client-id",
        request["client_id"],
        "--grant-type",
        request["grant_type"],
    ]
    for name in ("audience", "scope"):
        if request.get(name) is not None:
            args += [f"--{name}", request[name]]
    return [explain_request(tenant=tenant, **request), run_command(*args)]


def test_silent_renewal_without_audience_is_opaque_and_says_to_pass_the_audience(tenant, spa_app, rs256_api):
    # given: a tenant without Default Audience, and a renewal that did not resend `audience`
    request = {"grant_type": "authorization_code", "client_id": spa_app.client_id, "scope": "openid profile"}
    # when
    for answer in explain_both(tenant, **request):
        # then
        assert answer["outcome"]["format"] == "opaque"
        assert answer["outcome"]["audiences"] == [tenant.userinfo_audience]
        assert answer["outcome"]["error"] is None
        assert "no Default Audience" in answer["summary"]
        assert answer["fix"] == f"Pass audience={rs256_api.identifier} to get a JWT for that API."
        assert [s["step"] for s in answer["steps"]][:3] == [
            "client",
            "authorization_code",
            "requested_audience",
        ]


@pytest.mark.parametrize(
    ("typo", "case"),
    [("https://api.acme.test", "missing trailing slash"), ("https://api.acme.tst/", "typo")],
)
def test_unregistered_audience_gives_the_exact_error_and_the_closest_identifier(
    tenant, m2m_app, rs256_api, typo, case
):
    # given
    request = {"grant_type": "client_credentials", "client_id": m2m_app.client_id, "audience": typo}
    # when
    for answer in explain_both(tenant, **request):
        # then
        assert answer["outcome"]["format"] is None
        assert answer["outcome"]["error"] == {
            "status": 403,
            "error": "access_denied",
            "error_description": f"Service not enabled within domain: {typo}",
        }
        assert answer["fix"].endswith(f"Did you mean {rs256_api.identifier}?")


def test_openid_profile_without_audience_is_opaque_and_only_valid_at_userinfo(
    tenant, password_app, rs256_api
):
    # given
    request = {"grant_type": "password", "client_id": password_app.client_id, "scope": "openid profile"}
    # when
    for answer in explain_both(tenant, **request):
        # then
        assert answer["outcome"]["format"] == "opaque"
        assert answer["outcome"]["scope"] == "openid profile"
        assert "only valid at /userinfo" in answer["summary"]
        assert "userinfo_audience" in [s["step"] for s in answer["steps"]]


def test_email_profile_without_openid_explains_there_is_no_id_token(tenant, password_app, rs256_api):
    # given
    request = {"grant_type": "password", "client_id": password_app.client_id, "scope": "email profile"}
    # when
    for answer in explain_both(tenant, **request):
        # then
        assert answer["outcome"]["format"] == "opaque"
        assert answer["outcome"]["audiences"] == [tenant.userinfo_audience]
        assert 'no "openid"' in answer["summary"]
        assert "no ID token" in answer["summary"]
        assert answer["fix"] == f"Pass audience={rs256_api.identifier} to get a JWT for that API."


def test_hs256_api_with_openid_is_refused_with_both_ways_out(tenant, password_app, hs256_api):
    # given
    request = {
        "grant_type": "password",
        "client_id": password_app.client_id,
        "audience": hs256_api.identifier,
        "scope": "openid",
    }
    # when
    for answer in explain_both(tenant, **request):
        # then
        error = answer["outcome"]["error"]
        assert (error["status"], error["error"]) == (400, "invalid_request")
        assert hs256_api.identifier in error["error_description"]
        assert "RS256" in answer["fix"]
        assert '"openid"' in answer["fix"]
        assert answer["steps"][-1]["step"] == "hs256_single_audience"


def test_jwt_outcome_names_algorithm_and_current_kid(tenant, m2m_app, rs256_api):
    # given
    from tenants.selectors import signing_key_current

    request = {
        "grant_type": "client_credentials",
        "client_id": m2m_app.client_id,
        "audience": rs256_api.identifier,
    }
    # when
    for answer in explain_both(tenant, **request):
        # then
        assert answer["outcome"] == {
            "format": "jwt",
            "alg": "RS256",
            "kid": signing_key_current(tenant=tenant, alg="RS256").kid,
            "audiences": [rs256_api.identifier],
            "scope": "read:items write:items",
            "error": None,
        }
        assert answer["fix"] is None


def test_dry_run_issues_nothing(tenant, password_app):
    # given
    from tokens.models import OpaqueAccessToken

    # when
    explain_request(tenant=tenant, grant_type="password", client_id=password_app.client_id, scope="openid")
    # then
    assert not OpaqueAccessToken.objects.exists()


def test_command_rejects_unknown_tenant_and_missing_mode(tenant):
    with pytest.raises(CommandError, match="Unknown tenant: nope"):
        call_command("explain_token", "--tenant", "nope", "--client-id", "x")
    with pytest.raises(CommandError, match="Give --token"):
        call_command("explain_token", "--tenant", tenant.slug)
