"""The token endpoint's hot path: how many queries a client-credentials token costs (not how long)."""

import json

import pytest


@pytest.mark.parametrize("api_fixture", ["rs256_api", "hs256_api"])
def test_client_credentials_token_costs_two_queries(
    client, tenant, m2m_app, api_fixture, request, django_assert_num_queries
):
    # given: a warmed-up process (the signing key is loaded once per process and kid)
    api = request.getfixturevalue(api_fixture)
    body = json.dumps({"grant_type": "client_credentials", "audience": api.identifier, **m2m_app.creds})
    assert (
        client.post(f"/{tenant.slug}/oauth/token", body, content_type="application/json").status_code == 200
    )
    # when / then: the client (with its tenant) and the API (with grant and current kid) are one query each
    with django_assert_num_queries(2):
        response = client.post(f"/{tenant.slug}/oauth/token", body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"
