"""/authorize errors: an error page while the redirect_uri is unchecked, a redirect to the client after."""

import pytest

from tests import factories
from tests.flows.conftest import SPA_CALLBACK, redirect_base, redirect_params
from tokens.models import AuthorizationCode


def assert_error_page(resp, status: int, message: str) -> None:
    """Authport's own page: no redirect, never framed, never cached, the reason shown."""
    assert resp.status_code == status
    assert "Location" not in resp
    assert resp["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in resp["Content-Security-Policy"]
    assert resp["Cache-Control"] == "no-store"
    assert message in resp.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"client_id": None}, "Missing required parameter: client_id", id="no_client"),
        pytest.param({"client_id": "nope"}, "Unknown client: nope", id="unknown_client"),
        pytest.param(
            {"redirect_uri": None}, "Missing required parameter: redirect_uri", id="no_redirect_uri"
        ),
        pytest.param(
            {"redirect_uri": "https://evil.example.test/callback"},
            "The redirect_uri &quot;https://evil.example.test/callback&quot; is not in the list of allowed callback URLs",
            id="unregistered_redirect_uri",
        ),
        pytest.param(
            {"redirect_uri": SPA_CALLBACK + "/"},
            "is not in the list of allowed callback URLs",
            id="redirect_uri_not_exact",
        ),
    ],
)
def test_unchecked_client_or_redirect_uri_gets_an_error_page(authorize, overrides, message):
    # when
    resp, _ = authorize(**overrides)
    # then
    assert_error_page(resp, 400, message)
    assert AuthorizationCode.objects.count() == 0


def test_client_of_another_tenant_is_unknown(authorize, spa, other_tenant):
    # when
    resp, _ = authorize(slug="other")
    # then
    assert_error_page(resp, 400, f"Unknown client: {spa.client_id}")


def test_unknown_tenant_gets_a_404_page(authorize):
    resp, _ = authorize(slug="nowhere")
    assert_error_page(resp, 404, "Unknown tenant: nowhere")


def test_web_message_to_an_origin_outside_web_origins_gets_an_error_page(authorize, tenant):
    # given: the callback is registered, but its origin is not a web origin
    client, _ = factories.make_client(
        tenant,
        name="No web origins",
        app_type="spa",
        grant_types=["authorization_code"],
        callbacks=[SPA_CALLBACK],
    )
    # when
    resp, _ = authorize(client_id=client.client_id, response_mode="web_message", prompt="none")
    # then
    assert_error_page(
        resp,
        400,
        "response_mode=web_message: the origin &quot;https://spa.example.test&quot; is not in the application&#x27;s allowed web origins.",
    )


def test_repeated_parameter_gets_an_error_page(client, spa):
    resp = client.get(f"/acme/authorize?client_id={spa.client_id}&client_id={spa.client_id}")
    assert_error_page(resp, 400, "The client_id parameter is repeated; send it once.")


@pytest.mark.parametrize(
    ("overrides", "error", "description"),
    [
        pytest.param(
            {"audience": "https://unknown.acme.test/"},
            "access_denied",
            "Service not found: https://unknown.acme.test/",
            id="unknown_audience",
        ),
        pytest.param(
            {"resource": "https://other.acme.test/"},
            "invalid_request",
            'The audience ("https://api.acme.test/") and resource ("https://other.acme.test/") parameters differ; send one of them.',
            id="audience_and_resource_differ",
        ),
        pytest.param(
            {"response_type": "code foo"},
            "unsupported_response_type",
            "Unsupported response_type: code foo",
            id="unsupported_response_type",
        ),
        pytest.param(
            {"response_type": None},
            "invalid_request",
            "Missing required parameter: response_type",
            id="no_response_type",
        ),
        pytest.param(
            {"code_challenge": None, "code_challenge_method": None},
            "invalid_request",
            "A public client must send a PKCE code_challenge (code_challenge_method=S256).",
            id="public_client_without_pkce",
        ),
        pytest.param(
            {"code_challenge_method": "plain"},
            "invalid_request",
            "Unsupported code_challenge_method: plain; only S256 is allowed.",
            id="pkce_plain",
        ),
        pytest.param(
            {"code_challenge_method": None},
            "invalid_request",
            "Unsupported code_challenge_method: plain (the default); only S256 is allowed.",
            id="pkce_method_defaults_to_plain",
        ),
        pytest.param(
            {"code_challenge": "short"},
            "invalid_request",
            "code_challenge must be the 43-character base64url SHA-256 of the code_verifier.",
            id="pkce_malformed_challenge",
        ),
        pytest.param(
            {"prompt": "none login"},
            "invalid_request",
            "prompt=none cannot be combined with other prompt values.",
            id="prompt_none_with_login",
        ),
        pytest.param(
            {"max_age": "-1"},
            "invalid_request",
            "max_age must be a non-negative number of seconds.",
            id="max_age",
        ),
        pytest.param(
            {"max_age": "²"},
            "invalid_request",
            "max_age must be a non-negative number of seconds.",
            id="max_age_unicode_digit",
        ),
        pytest.param(
            {"response_mode": "jsonp"},
            "invalid_request",
            "Unsupported response_mode: jsonp",
            id="response_mode",
        ),
        pytest.param(
            {"prompt": "none"}, "login_required", "Login required", id="prompt_none_without_session"
        ),
        pytest.param(
            {"nonce": "n" * 501},
            "invalid_request",
            "The nonce is longer than 500 characters.",
            id="nonce_too_long",
        ),
    ],
)
def test_request_errors_are_redirected_to_the_client_with_state(authorize, overrides, error, description):
    # when
    resp, _ = authorize(**overrides)
    # then
    assert redirect_base(resp) == SPA_CALLBACK
    assert redirect_params(resp) == {"error": error, "error_description": description, "state": "st-123"}
    assert AuthorizationCode.objects.count() == 0


def test_hs256_api_with_openid_is_refused_at_authorize(authorize, hs256_api):
    # when
    resp, _ = authorize(audience=hs256_api.identifier, scope="openid")
    # then
    params = redirect_params(resp)
    assert params["error"] == "invalid_request"
    assert params["error_description"].startswith(
        f'API "Acme HS API" ({hs256_api.identifier}), the requested audience, signs its tokens with HS256'
    )
    assert "RS256" in params["error_description"]
    assert 'drop "openid"' in params["error_description"]


def test_hs256_default_audience_with_openid_is_refused_at_authorize(authorize, tenant, hs256_api):
    # given
    tenant.default_audience = hs256_api
    tenant.save()
    # when
    resp, _ = authorize(audience=None, scope="openid")
    # then
    params = redirect_params(resp)
    assert params["error"] == "invalid_request"
    assert "the tenant's Default Audience, signs its tokens with HS256" in params["error_description"]


@pytest.mark.parametrize(
    ("response_type", "grant"),
    [("code", "authorization_code"), ("token", "implicit"), ("id_token", "implicit")],
)
def test_client_without_the_grant_is_unauthorized(authorize, tenant, response_type, grant):
    # given: a client with neither browser grant
    client, _ = factories.make_client(
        tenant,
        name="Password only",
        app_type="regular_web",
        grant_types=["password"],
        callbacks=[SPA_CALLBACK],
    )
    # when
    resp, _ = authorize(client_id=client.client_id, response_type=response_type)
    # then
    params = redirect_params(resp, part="query" if response_type == "code" else "fragment")
    assert params == {
        "error": "unauthorized_client",
        "error_description": f"Grant type '{grant}' not allowed for the client.",
        "state": "st-123",
    }


def test_tokens_are_never_put_in_the_query(authorize):
    resp, _ = authorize(response_type="token", response_mode="query")
    assert redirect_params(resp) == {
        "error": "invalid_request",
        "error_description": "response_mode=query cannot carry tokens; use fragment, form_post or web_message.",
        "state": "st-123",
    }


def test_id_token_needs_a_nonce(authorize):
    resp, _ = authorize(response_type="id_token", nonce=None)
    assert redirect_params(resp, part="fragment") == {
        "error": "invalid_request",
        "error_description": "Missing required parameter: nonce (required when an id_token is returned).",
        "state": "st-123",
    }


def test_id_token_needs_openid(authorize):
    resp, _ = authorize(response_type="id_token", scope="profile")
    assert redirect_params(resp, part="fragment")["error_description"] == (
        'response_type id_token requires the "openid" scope.'
    )


def test_error_without_state_carries_no_state(authorize):
    resp, _ = authorize(state=None, prompt="none")
    assert redirect_params(resp) == {"error": "login_required", "error_description": "Login required"}


def test_an_authorization_request_may_be_posted_as_oidc_allows(spa, api, tenant):
    # given: OIDC Core 3.1.2.1: GET and POST alike, the POST form-encoded and from the client's site,
    # so without any CSRF token of ours (a client that enforces CSRF checks, as a browser meets them)
    from django.test import Client as HttpClient

    from tests.flows.conftest import SPA_CALLBACK, parse_form, pkce_pair

    http = HttpClient(enforce_csrf_checks=True)
    _, challenge = pkce_pair()
    params = {
        "client_id": spa.client_id,
        "response_type": "code",
        "redirect_uri": SPA_CALLBACK,
        "scope": "openid",
        "audience": api.identifier,
        "state": "st-post",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }

    # when
    posted = http.post("/acme/authorize", params)
    got = http.get("/acme/authorize", params)

    # then: the same login page, carrying the same request to the (CSRF-protected) login form
    assert posted.status_code == got.status_code == 200
    form = parse_form(posted.content.decode())
    assert form.fields["state"] == "st-post"
    assert form.fields["client_id"] == spa.client_id


def test_a_posted_authorization_request_is_checked_like_a_get(spa, tenant):
    # when: a redirect_uri the client does not have
    from django.test import Client as HttpClient

    resp = HttpClient(enforce_csrf_checks=True).post(
        "/acme/authorize",
        {"client_id": spa.client_id, "response_type": "code", "redirect_uri": "https://evil.test/cb"},
    )

    # then: the error page, never a redirect to it
    assert resp.status_code == 400
    assert "Location" not in resp
