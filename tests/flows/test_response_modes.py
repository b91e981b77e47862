"""Response types and modes: implicit and hybrid in the fragment, form_post, and web_message for
Auth0's silent renewal; a silent re-authorization resolves exactly as the first login did."""

import pytest
from django.conf import settings

from tests.flows.conftest import (
    SPA_CALLBACK,
    SPA_ORIGIN,
    left_hash,
    parse_form,
    redirect_base,
    redirect_params,
    web_message_payload,
)
from tokens.models import AuthorizationCode


def test_implicit_token_id_token_in_the_fragment(signed_in, authorize, api, spa, verify):
    # given
    signed_in()
    # when
    resp, _ = authorize(
        response_type="token id_token", prompt="none", code_challenge=None, code_challenge_method=None
    )
    # then
    assert redirect_base(resp) == SPA_CALLBACK
    assert "?" not in resp["Location"]
    params = redirect_params(resp, part="fragment")
    assert set(params) == {"access_token", "token_type", "expires_in", "scope", "id_token", "state"}
    assert params["token_type"] == "Bearer"
    assert params["expires_in"] == str(api.token_lifetime_for_web)
    assert params["scope"] == "openid profile email"  # no offline_access in the front channel
    access = verify(params["access_token"], audience=api.identifier)
    assert access["aud"] == [api.identifier, f"{settings.PUBLIC_URL}/acme/userinfo"]
    id_token = verify(params["id_token"], audience=spa.client_id)
    assert id_token["nonce"] == "n-456"
    assert id_token["at_hash"] == left_hash(params["access_token"])
    assert AuthorizationCode.objects.count() == 1  # only the sign-in's own code


def test_id_token_alone(signed_in, authorize, spa, verify):
    signed_in()
    resp, _ = authorize(response_type="id_token", prompt="none")
    params = redirect_params(resp, part="fragment")
    assert set(params) == {"id_token", "state"}
    claims = verify(params["id_token"], audience=spa.client_id)
    assert "at_hash" not in claims
    assert "c_hash" not in claims
    assert claims["email"] == "alice@example.test"


def test_hybrid_code_id_token_carries_c_hash(signed_in, authorize, spa, verify):
    signed_in()
    resp, _ = authorize(response_type="code id_token", prompt="none")
    params = redirect_params(resp, part="fragment")
    assert set(params) == {"code", "id_token", "state"}
    claims = verify(params["id_token"], audience=spa.client_id)
    assert claims["c_hash"] == left_hash(params["code"])


def test_form_post_posts_the_response_to_the_callback(signed_in, authorize):
    # given
    signed_in()
    # when
    resp, _ = authorize(response_mode="form_post", prompt="none")
    # then
    assert resp.status_code == 200
    form = parse_form(resp.content.decode())
    assert form.action == SPA_CALLBACK
    assert set(form.fields) == {"code", "state"}
    assert form.fields["state"] == "st-123"
    assert resp["X-Frame-Options"] == "DENY"
    csp = resp["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    nonce = csp.split("script-src 'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in resp.content.decode()


def test_web_message_posts_to_the_web_origin_and_may_be_framed_only_by_it(signed_in, authorize):
    # given
    signed_in()
    # when
    resp, _ = authorize(response_mode="web_message", prompt="none")
    # then
    assert resp.status_code == 200
    assert "X-Frame-Options" not in resp
    assert resp["Content-Security-Policy"].endswith(f"frame-ancestors {SPA_ORIGIN}")
    assert resp["Cache-Control"] == "no-store"
    message, target_origin = web_message_payload(resp)
    assert target_origin == SPA_ORIGIN
    assert message["type"] == "authorization_response"
    assert set(message["response"]) == {"code", "state"}
    assert message["response"]["state"] == "st-123"


def test_web_message_delivers_login_required(authorize):
    resp, _ = authorize(response_mode="web_message", prompt="none")
    message, target_origin = web_message_payload(resp)
    assert target_origin == SPA_ORIGIN
    assert message == {
        "type": "authorization_response",
        "response": {"error": "login_required", "error_description": "Login required", "state": "st-123"},
    }


def test_web_message_escapes_what_it_embeds(authorize):
    resp, _ = authorize(
        response_mode="web_message", prompt="none", state="</script><script>alert(1)</script>"
    )
    message, _ = web_message_payload(resp)
    assert message["response"]["state"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in resp.content.decode()


@pytest.mark.parametrize(
    ("audience", "jwt_expected"),
    [("https://api.acme.test/", True), (None, False)],
    ids=["api_audience_gives_jwt", "no_audience_gives_opaque"],
)
def test_silent_reauthorization_resolves_as_the_first_login(
    signed_in, authorize, exchange, spa, verify, audience, jwt_expected
):
    # given
    params, verifier = signed_in(audience=audience)
    first = exchange(params["code"], verifier, creds={"client_id": spa.client_id}).json()
    # when: prompt=none in web_message mode, as auth0-spa-js's getTokenSilently does
    resp, verifier = authorize(audience=audience, prompt="none", response_mode="web_message")
    message, _ = web_message_payload(resp)
    second = exchange(message["response"]["code"], verifier, creds={"client_id": spa.client_id}).json()
    # then
    if jwt_expected:
        assert (
            verify(second["access_token"], audience=audience)["aud"]
            == verify(first["access_token"], audience=audience)["aud"]
        )
    else:
        assert first["access_token"].startswith("authport_opaque_")
        assert second["access_token"].startswith("authport_opaque_")


def test_unknown_audience_in_a_silent_request_is_posted_back(signed_in, authorize):
    signed_in()
    resp, _ = authorize(audience="https://nope.test/", prompt="none", response_mode="web_message")
    message, _ = web_message_payload(resp)
    assert message["response"] == {
        "error": "access_denied",
        "error_description": "Service not found: https://nope.test/",
        "state": "st-123",
    }
