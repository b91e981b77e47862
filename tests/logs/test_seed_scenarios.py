"""The explainer's five seed scenarios answered from the log of real requests, not by re-typing
them (SPEC sections 7 and 9): each real request's event carries the explanation."""

import pytest
from django.test import Client as HttpClient

from logs.models import LogEvent
from tests import factories
from tests.flows.conftest import parse_form, pkce_pair, redirect_params
from tokens.explanation.explain import explain_request, explain_token

SPA_CALLBACK = "https://spa.example.test/cb"


def event_of(response) -> LogEvent:
    return LogEvent.objects.get(log_id=response["Authport-Log-Id"])


@pytest.fixture
def spa(tenant):
    client, _ = factories.make_client(
        tenant,
        name="SPA",
        app_type="spa",
        grant_types=["authorization_code", "refresh_token"],
        callbacks=[SPA_CALLBACK],
        web_origins=["https://spa.example.test"],
        token_endpoint_auth_method="none",
    )
    return client


def _authorize(browser, spa, **extra):
    verifier, challenge = pkce_pair()
    params = {
        "client_id": spa.client_id,
        "response_type": "code",
        "redirect_uri": SPA_CALLBACK,
        "scope": "openid profile",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return browser.get("/acme/authorize", {k: v for k, v in params.items() if v is not None}), verifier


def test_seed_000_checksession_gave_an_opaque_token_and_the_log_says_why(tenant, spa, rs256_api, end_user):
    # given: the SPA logs in for the API...
    browser = HttpClient()
    page, _ = _authorize(browser, spa, audience=rs256_api.identifier)
    form = parse_form(page.content.decode())
    login = browser.post(
        form.action, {**form.fields, "email": end_user.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert login.status_code == 302

    # when: ...and renews silently without resending the audience (checkSession)
    renewal, verifier = _authorize(browser, spa, prompt="none")
    code = redirect_params(renewal)["code"]
    exchanged = HttpClient().post(
        "/acme/oauth/token",
        {
            "grant_type": "authorization_code",
            "client_id": spa.client_id,
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": SPA_CALLBACK,
        },
    )

    # then: the silent authentication's event explains the opaque token and names both audiences
    silent = LogEvent.objects.get(type="ssa")
    explanation = silent.details["explanation"]
    assert explanation["outcome"]["format"] == "opaque"
    step = next(s for s in explanation["steps"] if s["step"] == "renewal_audience")
    assert rs256_api.identifier in step["detail"]
    assert tenant.userinfo_audience in step["detail"]
    assert explanation["fix"] == f"Pass audience={rs256_api.identifier} to get a JWT for that API."
    # and the exchange's event, and the token itself, tell the same story without inventing a parameter
    assert event_of(exchanged).type == "seacft"
    presented = explain_token(tenant=tenant, token=exchanged.json()["access_token"])
    details = " ".join(s["detail"] for s in presented["steps"])
    assert "parameter asks for" not in details
    assert "At /authorize: No audience was requested" in details


@pytest.mark.parametrize("typo", ["https://api.acme.test", "https://api.acme.tst/"])
def test_seed_unregistered_audience_from_the_log(client, tenant, m2m_app, rs256_api, typo):
    body = {"grant_type": "client_credentials", "audience": typo, **m2m_app.creds}
    event = event_of(client.post("/acme/oauth/token", body))
    assert event.type == "feccft"
    assert event.details["explanation"]["fix"].endswith(f"Did you mean {rs256_api.identifier}?")
    assert event.details["explanation"] == explain_request(
        tenant=tenant, grant_type="client_credentials", client_id=m2m_app.client_id, audience=typo
    )


def test_seed_openid_profile_without_audience_is_opaque_from_the_log(
    client, tenant, password_app, end_user, rs256_api
):
    resp = client.post(
        "/acme/oauth/token",
        {
            "grant_type": "password",
            "username": end_user.email,
            "password": factories.DEFAULT_PASSWORD,
            "scope": "openid profile",
            **password_app.creds,
        },
    )
    explanation = event_of(resp).details["explanation"]
    assert explanation["outcome"]["format"] == "opaque"
    assert "only valid at /userinfo" in explanation["summary"]
    dry = explain_request(
        tenant=tenant, grant_type="password", client_id=password_app.client_id, scope="openid profile"
    )
    # the same answer, but for the step the dry run cannot take: checking the password
    assert explanation["outcome"] == dry["outcome"]
    assert [s for s in dry["steps"] if s["step"] != "password"] == explanation["steps"]


def test_seed_hs256_with_openid_is_refused_from_the_log(client, tenant, password_app, end_user, hs256_api):
    resp = client.post(
        "/acme/oauth/token",
        {
            "grant_type": "password",
            "username": end_user.email,
            "password": factories.DEFAULT_PASSWORD,
            "audience": hs256_api.identifier,
            "scope": "openid",
            **password_app.creds,
        },
    )
    event = event_of(resp)
    assert (resp.status_code, event.type) == (400, "fepft")
    assert event.details["explanation"]["fix"] == (
        'Switch the API to an asymmetric algorithm such as RS256, or drop "openid" from the scope.'
    )
    assert event.details["explanation"]["outcome"]["error"] == {"status": 400, **resp.json()}


def test_seed_jwt_names_its_algorithm_and_kid_from_the_log(client, tenant, m2m_app, rs256_api):
    import jwt

    resp = client.post(
        "/acme/oauth/token",
        {"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds},
    )
    outcome = event_of(resp).details["explanation"]["outcome"]
    header = jwt.get_unverified_header(resp.json()["access_token"])
    assert (outcome["format"], outcome["alg"], outcome["kid"]) == ("jwt", "RS256", header["kid"])
