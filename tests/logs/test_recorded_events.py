"""Every token decision, login, logout and Management API write is an Auth0 log event whose
explanation is the explainer's answer for that request (SPEC sections 7 and 9)."""

import json

import pytest
from django.test import Client as HttpClient

from logs.models import LogDetails, LogEvent
from tests import factories
from tests.conftest import App
from tests.flows.conftest import parse_form, pkce_pair, redirect_params
from tests.logs.conftest import quiet_token_for
from tests.management.conftest import ManagementApi
from tokens.explanation.explain import explain_request

LOG_ID = "Authport-Log-Id"


def only_event(response) -> LogEvent:
    return LogEvent.objects.get(log_id=response[LOG_ID])


def dry_run(tenant, body: dict) -> dict:
    return explain_request(
        tenant=tenant,
        grant_type=body["grant_type"],
        client_id=body["client_id"],
        audience=body.get("audience"),
        resource=body.get("resource"),
        scope=body.get("scope"),
    )


def stored_log_text() -> str:
    """Every stored event and every stored details row, as one text (with their explanations)."""
    stored = [*LogEvent.objects.values(), *LogDetails.objects.values()]
    text = json.dumps(stored, default=str)
    assert '"explanation"' in text  # the details are in it
    return text


def test_a_client_credentials_token_is_seccft_explained_as_the_dry_run_explains_it(
    client, tenant, m2m_app, rs256_api
):
    # when
    body = {"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds}
    resp = client.post("/acme/oauth/token", body)

    # then
    assert resp.status_code == 200
    event = only_event(resp)
    assert (event.type, event.client_id, event.client_name, event.audience) == (
        "seccft",
        m2m_app.client_id,
        "M2M",
        rs256_api.identifier,
    )
    assert event.description == "Client Credentials for Access Token"
    assert event.details["explanation"] == dry_run(tenant, body)
    assert event.details["request"] == {
        "grant_type": "client_credentials",
        "client_id": m2m_app.client_id,
        "audience": rs256_api.identifier,
    }


def test_a_refusal_is_feccft_with_the_endpoints_exact_answer(client, tenant, m2m_app, rs256_api):
    body = {"grant_type": "client_credentials", "audience": "https://api.acme.test", **m2m_app.creds}
    resp = client.post("/acme/oauth/token", body)

    assert resp.status_code == 403
    event = only_event(resp)
    assert event.type == "feccft"
    outcome = event.details["explanation"]["outcome"]
    assert outcome["error"] == {"status": 403, **resp.json()}
    assert event.details["explanation"] == dry_run(tenant, body)
    # a confidential client that authenticated is told the nearest identifier
    assert resp["Authport-Hint"].endswith(f"Did you mean {rs256_api.identifier}?")


def test_a_public_client_gets_only_the_generic_hint(client, tenant, rs256_api, end_user):
    native, _ = factories.make_client(
        tenant, name="Native", app_type="native", grant_types=["password"], token_endpoint_auth_method="none"
    )
    resp = client.post(
        "/acme/oauth/token",
        {
            "grant_type": "password",
            "client_id": native.client_id,
            "username": end_user.email,
            "password": factories.DEFAULT_PASSWORD,
            "audience": "https://api.acme.test",
        },
    )
    assert resp.status_code == 403
    assert resp.json() == {
        "error": "access_denied",
        "error_description": "Service not enabled within domain: https://api.acme.test",
    }
    assert "including the trailing slash" in resp["Authport-Hint"]
    assert rs256_api.identifier not in resp["Authport-Hint"]
    # while the tenant's admins, reading the log, are told what was probably meant
    fix = LogEvent.objects.get(log_id=resp[LOG_ID]).details["explanation"]["fix"]
    assert fix.endswith(f"Did you mean {rs256_api.identifier}?")


def test_unknown_client_credentials_are_recorded_without_what_did_not_authenticate(client, tenant, m2m_app):
    resp = client.post(
        "/acme/oauth/token",
        {"grant_type": "client_credentials", "client_id": m2m_app.client_id, "client_secret": "guess"},
    )
    assert resp.status_code == 401
    event = only_event(resp)
    assert (event.type, event.client_id, event.client_name, event.user_id) == ("feccft", "", "", "")
    assert "client_id" not in event.details["request"]
    assert event.details["explanation"]["outcome"]["error"]["error"] == "invalid_client"


def test_unsupported_grant_type_agrees_with_the_dry_run(client, tenant, m2m_app):
    # the drift the issue found: the dry run said 403 unauthorized_client, the endpoint 400
    body = {"grant_type": "urn:foo", **m2m_app.creds}
    resp = client.post("/acme/oauth/token", body)
    assert resp.status_code == 400
    assert resp.json()["error"] == "unsupported_grant_type"
    assert dry_run(tenant, body)["outcome"]["error"] == {"status": 400, **resp.json()}
    assert only_event(resp).details["explanation"] == dry_run(tenant, body)


def test_password_grant_events_hold_no_password_and_name_the_user(
    client, tenant, password_app, end_user, rs256_api
):
    ok = client.post(
        "/acme/oauth/token",
        {
            "grant_type": "password",
            "username": end_user.email,
            "password": factories.DEFAULT_PASSWORD,
            "audience": rs256_api.identifier,
            **password_app.creds,
        },
    )
    bad = client.post(
        "/acme/oauth/token",
        {
            "grant_type": "password",
            "username": end_user.email,
            "password": "hunter2-guess",
            **password_app.creds,
        },
    )
    assert (ok.status_code, bad.status_code) == (200, 400)
    success, failure = only_event(ok), only_event(bad)
    assert (success.type, success.user_id, success.user_name) == ("sepft", end_user.user_id, end_user.email)
    assert (failure.type, failure.user_name, failure.description) == (
        "fepft",
        end_user.email,
        "Wrong email or password.",
    )
    assert success.connection == "Username-Password-Authentication"
    everything = stored_log_text()
    for secret in (
        factories.DEFAULT_PASSWORD,
        "hunter2-guess",
        password_app.secret,
        ok.json()["access_token"],
    ):
        assert secret not in everything


def test_code_and_refresh_events_hold_no_code_or_token(client, tenant, end_user):
    # given: a confidential web app signs alice in and exchanges the code, then refreshes
    api = factories.make_api(
        tenant, identifier="https://api.acme.test/", name="Acme", allow_offline_access=True
    )
    app_client, secret = factories.make_client(
        tenant,
        name="Web",
        app_type="regular_web",
        grant_types=["authorization_code", "refresh_token"],
        callbacks=["https://web.example.test/cb"],
    )
    web = App(app_client, secret)
    browser = HttpClient()
    verifier, challenge = pkce_pair()
    page = browser.get(
        "/acme/authorize",
        {
            "client_id": web.client_id,
            "response_type": "code",
            "redirect_uri": "https://web.example.test/cb",
            "scope": "openid offline_access",
            "audience": api.identifier,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    form = parse_form(page.content.decode())
    login = browser.post(
        form.action, {**form.fields, "email": end_user.email, "password": factories.DEFAULT_PASSWORD}
    )
    code = redirect_params(login)["code"]
    exchanged = client.post(
        "/acme/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": "https://web.example.test/cb",
            **web.creds,
        },
    )
    refreshed = client.post(
        "/acme/oauth/token",
        {"grant_type": "refresh_token", "refresh_token": exchanged.json()["refresh_token"], **web.creds},
    )

    # then
    assert [only_event(r).type for r in (exchanged, refreshed)] == ["seacft", "sertft"]
    assert LogEvent.objects.filter(type="s", user_id=end_user.user_id).count() == 1
    everything = stored_log_text()
    for value in (
        code,
        verifier,
        exchanged.json()["refresh_token"],
        refreshed.json()["refresh_token"],
        exchanged.json()["access_token"],
        secret,
    ):
        assert value not in everything


def test_the_login_page_records_fp_fu_and_limit_wc(tenant, end_user):
    spa, _ = factories.make_client(
        tenant,
        name="SPA",
        app_type="spa",
        grant_types=["authorization_code"],
        callbacks=["https://spa.example.test/cb"],
        token_endpoint_auth_method="none",
    )
    browser = HttpClient()
    _, challenge = pkce_pair()
    page = browser.get(
        "/acme/authorize",
        {
            "client_id": spa.client_id,
            "response_type": "code",
            "redirect_uri": "https://spa.example.test/cb",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )

    def submit(email, password):
        form = parse_form(page.content.decode())
        return browser.post(form.action, {**form.fields, "email": email, "password": password})

    submit("nobody@example.test", "whatever-it-is")
    for n in range(10):
        submit(end_user.email, f"wrong-{n}")
    submit(end_user.email, factories.DEFAULT_PASSWORD)

    types = list(LogEvent.objects.for_tenant(tenant).order_by("log_id").values_list("type", flat=True))
    assert types == ["fu"] + ["fp"] * 10 + ["limit_wc"]
    assert set(LogEvent.objects.filter(type="fp").values_list("user_name", flat=True)) == {end_user.email}


def test_management_api_writes_are_sapi_and_fapi_without_bodies(client, tenant):
    api = ManagementApi(client, "acme", quiet_token_for(tenant, ["create:clients"]))
    created = api("POST", "clients", {"name": "Backend", "app_type": "non_interactive"})
    refused = api("POST", "clients", {"name": ""})
    read = api("GET", "clients")  # no scope for it: a read is never recorded anyway

    assert (created.status_code, refused.status_code, read.status_code) == (201, 400, 403)
    sapi, fapi = LogEvent.objects.get(type="sapi"), LogEvent.objects.get(type="fapi")
    assert sapi.description == "Create clients"
    assert sapi.details["response"] == {"statusCode": 201}
    assert fapi.details["response"]["statusCode"] == 400
    assert created.json()["client_secret"] not in json.dumps(sapi.details)
    assert LogEvent.objects.count() == 2


def test_a_dry_run_through_the_api_is_not_a_write(client, tenant, m2m_app):
    api = ManagementApi(client, "acme", quiet_token_for(tenant, ["read:resource_servers"]))
    resp = api(
        "POST", "token-explanations", {"grant_type": "client_credentials", "client_id": m2m_app.client_id}
    )
    assert resp.status_code == 200
    assert not LogEvent.objects.filter(type__in=["sapi", "fapi"]).exists()


@pytest.mark.parametrize("ok", [True, False], ids=["allowed", "refused"])
def test_logout_is_slo_or_flo(client, tenant, ok):
    spa, _ = factories.make_client(
        tenant,
        name="SPA",
        app_type="spa",
        grant_types=["authorization_code"],
        allowed_logout_urls=["https://spa.example.test/bye"],
    )
    target = "https://spa.example.test/bye" if ok else "https://evil.test/"
    resp = client.get("/acme/v2/logout", {"client_id": spa.client_id, "returnTo": target})
    assert resp.status_code == (302 if ok else 400)
    event = LogEvent.objects.get()
    assert (event.type, event.client_id) == ("slo" if ok else "flo", spa.client_id)


def test_the_same_token_asked_again_is_explained_afresh_for_each_change(client, tenant, m2m_app, rs256_api):
    """An event of a repeated client_credentials request is kept per process (tokens.events): each
    event still has its own id, time and connection, and a change to the client, the API, the
    grant's scope or the signing key shows in the next event, as the dry run shows it."""
    from clients.models import ClientGrant
    from tenants.services import signing_keys_rotate

    body = {"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds}

    def asked(user_agent: str) -> LogEvent:
        resp = client.post("/acme/oauth/token", body, HTTP_USER_AGENT=user_agent)
        assert resp.status_code == 200
        event = only_event(resp)
        assert event.details["explanation"] == dry_run(tenant, body)
        assert event.user_agent == user_agent
        return event

    first, again = asked("first/1.0"), asked("again/1.0")
    assert first.log_id != again.log_id
    assert first.date <= again.date
    assert again.details == first.details

    kid_before = again.details["explanation"]["outcome"]["kid"]
    signing_keys_rotate(tenant=tenant)
    rotated = asked("rotated/1.0")
    assert rotated.details["explanation"]["outcome"]["kid"] != kid_before

    m2m_app.client.name = "Renamed worker"
    m2m_app.client.save()
    rs256_api.name = "Renamed API"
    rs256_api.save()
    renamed = asked("renamed/1.0")
    assert renamed.client_name == "Renamed worker"
    details = [step["detail"] for step in renamed.details["explanation"]["steps"]]
    assert any(detail.startswith('Found API "Renamed API"') for detail in details)

    ClientGrant.objects.filter(client=m2m_app.client, resource_server=rs256_api).update(scope=[])
    narrowed = asked("narrowed/1.0")
    assert narrowed.scope == ""
    assert narrowed.details["explanation"]["outcome"]["scope"] == ""
