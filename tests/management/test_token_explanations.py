"""`POST /{slug}/api/v2/token-explanations` (SPEC section 7): the same answers as the command and the admin."""

import json

import pytest

from tests.management.conftest import assert_error
from tokens.explanation.explain import explain_request


@pytest.fixture
def spa_client(tenant):
    from clients.models import Client
    from tests import factories

    client, _ = factories.make_client(
        tenant,
        name="SPA",
        app_type=Client.AppType.SPA,
        grant_types=["authorization_code", "refresh_token"],
        callbacks=["http://127.0.0.1:3000/callback"],
    )
    return client


@pytest.mark.parametrize(
    ("request_body", "expected"),
    [
        ({"grant_type": "authorization_code", "scope": "openid profile"}, ("opaque", "Pass audience=")),
        (
            {"grant_type": "client_credentials", "audience": "https://api.acme.test"},
            (None, "Did you mean https://api.acme.test/?"),
        ),
        ({"grant_type": "password", "scope": "openid profile"}, ("opaque", "Pass audience=")),
        ({"grant_type": "password", "scope": "email profile"}, ("opaque", "Pass audience=")),
        ({"grant_type": "password", "audience": "https://hs.acme.test/", "scope": "openid"}, (None, "RS256")),
    ],
    ids=[
        "silent-renewal-no-audience",
        "trailing-slash",
        "openid-profile-no-audience",
        "email-profile-no-openid",
        "hs256-openid",
    ],
)
def test_dry_run_answers_like_the_explainer_function(
    mgmt, tenant, spa_client, m2m_app, password_app, rs256_api, hs256_api, request_body, expected
):
    # given: each case asks with the client that has the grant type
    client_id = {
        "authorization_code": spa_client,
        "client_credentials": m2m_app.client,
        "password": password_app.client,
    }[request_body["grant_type"]].client_id
    body = {**request_body, "client_id": client_id}
    # when
    response = mgmt("POST", "token-explanations", body)
    # then
    assert response.status_code == 200
    answer = response.json()
    assert answer == json.loads(json.dumps(explain_request(tenant=tenant, **body)))
    assert answer["outcome"]["format"] == expected[0]
    assert expected[1] in answer["fix"]


def test_presented_token_is_explained(mgmt, tenant, api_token):
    # when: the caller's own management token
    response = mgmt("POST", "token-explanations", {"token": api_token})
    # then
    assert response.status_code == 200
    outcome = response.json()["outcome"]
    assert (outcome["format"], outcome["alg"], outcome["key_state"], outcome["verifies"]) == (
        "jwt",
        "RS256",
        "current",
        True,
    )
    assert outcome["audiences"] == [tenant.management_audience]


@pytest.mark.parametrize(
    ("body", "message_part"),
    [
        ({}, "A token request needs grant_type and client_id"),
        ({"token": "x", "grant_type": "password"}, "Send either a token"),
        ({"grant_type": 5, "client_id": "x"}, "grant_type"),
        ({"grant_type": "password", "client_id": "x", "surprise": 1}, "surprise"),
    ],
    ids=["empty", "both-modes", "wrong-type", "unknown-field"],
)
def test_bad_input_is_an_auth0_error(mgmt, body, message_part):
    # when
    response = mgmt("POST", "token-explanations", body)
    # then
    assert message_part in assert_error(response, 400, "invalid_body")["message"]
