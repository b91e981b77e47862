"""Management API: applications and client grants (SPEC section 5; Auth0 `/api/v2/clients`, `/client-grants`)."""

import pytest
from django.test import Client as HttpClient

from clients.models import Client, ClientGrant
from tests import factories
from tests.management.conftest import assert_error

CLIENT_FIELDS = {
    "client_id",
    "tenant",
    "name",
    "description",
    "app_type",
    "is_first_party",
    "grant_types",
    "callbacks",
    "allowed_origins",
    "web_origins",
    "allowed_logout_urls",
    "token_endpoint_auth_method",
    "jwt_configuration",
}


def _client_credentials(tenant, client_id: str, secret: str, audience: str):
    return HttpClient().post(
        f"/{tenant.slug}/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "audience": audience,
        },
    )


def test_create_answers_the_secret_once(mgmt, tenant):
    # when
    response = mgmt(
        "POST",
        "clients",
        {
            "name": "Orders SPA",
            "app_type": "spa",
            "grant_types": ["authorization_code", "refresh_token"],
            "callbacks": ["https://spa.test/callback"],
            "allowed_origins": ["https://spa.test"],
            "web_origins": ["https://spa.test"],
            "jwt_configuration": {"lifetime_in_seconds": 600},
        },
    )

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == CLIENT_FIELDS | {"client_secret"}
    client = Client.objects.for_tenant(tenant).get(client_id=body["client_id"])
    assert client.secret_matches(body["client_secret"])
    assert (body["name"], body["app_type"], body["token_endpoint_auth_method"]) == (
        "Orders SPA",
        "spa",
        "none",
    )
    assert body["jwt_configuration"] == {"lifetime_in_seconds": 600, "alg": "RS256", "secret_encoded": False}
    assert client.jwt_lifetime_in_seconds == 600

    # and reading it back never shows a secret
    read = mgmt("GET", f"clients/{client.client_id}").json()
    assert set(read) == CLIENT_FIELDS
    assert {k: v for k, v in body.items() if k != "client_secret"} == read


def test_rotate_secret_replaces_the_secret_at_once(mgmt, tenant, rs256_api):
    # given
    client, old_secret = factories.make_client(tenant, name="M2M")
    factories.make_grant(client, rs256_api)

    # when
    response = mgmt("POST", f"clients/{client.client_id}/rotate-secret")

    # then
    assert response.status_code == 200
    new_secret = response.json()["client_secret"]
    assert new_secret != old_secret
    assert _client_credentials(tenant, client.client_id, new_secret, rs256_api.identifier).status_code == 200
    assert _client_credentials(tenant, client.client_id, old_secret, rs256_api.identifier).status_code == 401


def test_patch_and_delete(mgmt, tenant):
    # given
    client, _ = factories.make_client(tenant, name="Before")

    # when
    patched = mgmt("PATCH", f"clients/{client.client_id}", {"name": "After", "description": None})
    deleted = mgmt("DELETE", f"clients/{client.client_id}")

    # then
    assert (patched.status_code, patched.json()["name"]) == (200, "After")
    assert deleted.status_code == 204
    assert not Client.objects.filter(pk=client.pk).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"name": "x", "callbacks": ["not a url"]}, "callbacks", id="callback-not-a-url"),
        pytest.param({"name": "x", "callbacks": "https://a.test"}, "callbacks", id="callbacks-not-a-list"),
        pytest.param(
            {"name": "x", "web_origins": ["https://a.test/path"]}, "web_origins", id="origin-with-path"
        ),
        pytest.param({"name": "x", "grant_types": ["magic"]}, "grant_types.0", id="unknown-grant-type"),
        pytest.param({"name": "x", "app_type": "desktop"}, "app_type", id="unknown-app-type"),
        pytest.param({"name": ""}, "name", id="empty-name"),
        pytest.param({"name": "x" * 201}, "name", id="name-too-long"),
        pytest.param({"app_type": "spa"}, "name", id="missing-name"),
        pytest.param(
            {"name": "x", "jwt_configuration": {"lifetime_in_seconds": 0}},
            "jwt_configuration.lifetime_in_seconds",
            id="jwt-lifetime-zero",
        ),
        pytest.param(
            {"name": "x", "jwt_configuration": {"alg": "HS256"}},
            "jwt_configuration.alg",
            id="hs256-id-tokens",
        ),
        pytest.param(
            {"name": "x", "client_secret": "mine"}, "client_secret", id="client-secret-is-not-settable"
        ),
        pytest.param(
            {"name": "x", "refresh_token": {"leeway": -1}}, "refresh_token.leeway", id="leeway-negative"
        ),
        pytest.param(
            {"name": "x", "refresh_token": {"leeway": 2_592_001}},
            "refresh_token.leeway",
            id="leeway-over-30-days",
        ),
        pytest.param(
            {"name": "x", "refresh_token": {"leeway": "3"}}, "refresh_token.leeway", id="leeway-string"
        ),
        pytest.param(
            {"name": "x", "refresh_token": {"leeway": 1.5}}, "refresh_token.leeway", id="leeway-float"
        ),
        pytest.param(
            {"name": "x", "refresh_token": {"reuse": 3}}, "reuse", id="outside-refresh-token-schema"
        ),
        pytest.param({"name": "x", "refresh_token": 3}, "refresh_token", id="refresh-token-not-an-object"),
        pytest.param(
            {"name": "x", "token_endpoint_auth_method": "none", "grant_types": ["client_credentials"]},
            "grant_types",
            id="public-client-with-client-credentials",
        ),
    ],
)
def test_bad_client_bodies_are_400_naming_the_field(mgmt, tenant, body, field):
    # given
    count = Client.objects.for_tenant(tenant).count()

    # when
    response = mgmt("POST", "clients", body)

    # then
    error = assert_error(response, 400, "invalid_body")
    assert f"property {field}" in error["message"] or f"not allowed: {field}" in error["message"], error
    assert Client.objects.for_tenant(tenant).count() == count


def test_the_refresh_token_leeway_round_trips_and_takes_effect(mgmt, tenant):
    # given: Auth0's refresh_token object, as the Deploy CLI exports it
    given = {
        "rotation_type": "rotating",
        "expiration_type": "expiring",
        "leeway": 5,
        "token_lifetime": 2592000,
    }
    created = mgmt("POST", "clients", {"name": "Rotating", "app_type": "spa", "refresh_token": given})
    client_id = created.json()["client_id"]
    # when: a PATCH changes the leeway only
    patched = mgmt("PATCH", f"clients/{client_id}", {"refresh_token": {"leeway": 60}})

    # then
    assert (created.status_code, created.json()["refresh_token"]) == (201, given)
    assert patched.status_code == 200, patched.content
    assert patched.json()["refresh_token"] == {**given, "leeway": 60}
    assert mgmt("GET", f"clients/{client_id}").json()["refresh_token"] == {**given, "leeway": 60}
    client = Client.objects.for_tenant(tenant).get(client_id=client_id)
    assert client.refresh_token_leeway == 60
    assert "leeway" not in client.auth0_extra["refresh_token"]


def test_a_client_without_refresh_token_settings_answers_none(mgmt):
    created = mgmt("POST", "clients", {"name": "Plain"}).json()
    assert "refresh_token" not in created
    patched = mgmt("PATCH", f"clients/{created['client_id']}", {"refresh_token": {"leeway": 0}}).json()
    assert "refresh_token" not in patched


def test_unknown_client_is_404(mgmt):
    assert_error(mgmt("GET", "clients/nope"), 404, "inexistent_client", "Client not found.")


def test_client_of_another_tenant_is_404(mgmt, other_tenant):
    # given
    theirs, _ = factories.make_client(other_tenant, name="Theirs")

    # when
    responses = [
        mgmt("GET", f"clients/{theirs.client_id}"),
        mgmt("PATCH", f"clients/{theirs.client_id}", {"name": "Mine"}),
        mgmt("POST", f"clients/{theirs.client_id}/rotate-secret"),
        mgmt("DELETE", f"clients/{theirs.client_id}"),
    ]

    # then
    for response in responses:
        assert_error(response, 404, "inexistent_client")
    assert Client.objects.get(pk=theirs.pk).name == "Theirs"


def test_grant_create_lets_the_client_get_tokens(mgmt, tenant, rs256_api):
    # given
    client, secret = factories.make_client(tenant, name="M2M")

    # when
    response = mgmt(
        "POST",
        "client-grants",
        {"client_id": client.client_id, "audience": rs256_api.identifier, "scope": ["read:items"]},
    )

    # then
    assert response.status_code == 201, response.content
    grant = ClientGrant.objects.get(client=client)
    assert response.json() == {
        "id": grant.public_id,
        "client_id": client.client_id,
        "audience": rs256_api.identifier,
        "scope": ["read:items"],
    }
    token = _client_credentials(tenant, client.client_id, secret, rs256_api.identifier)
    assert (token.status_code, token.json()["scope"]) == (200, "read:items")


def test_grant_list_filters_and_pages(mgmt, tenant, rs256_api, hs256_api):
    # given
    client, _ = factories.make_client(tenant, name="M2M")
    g1 = factories.make_grant(client, rs256_api)
    g2 = factories.make_grant(client, hs256_api)

    # when
    by_client = mgmt("GET", "client-grants", query={"client_id": client.client_id}).json()
    by_audience = mgmt("GET", "client-grants", query={"audience": hs256_api.identifier}).json()
    paged = mgmt(
        "GET", "client-grants", query={"client_id": client.client_id, "per_page": 1, "include_totals": "true"}
    ).json()

    # then
    assert [g["id"] for g in by_client] == [g1.public_id, g2.public_id]
    assert [g["id"] for g in by_audience] == [g2.public_id]
    assert (paged["total"], [g["id"] for g in paged["client_grants"]]) == (2, [g1.public_id])


def test_grant_patch_and_delete(mgmt, tenant, rs256_api):
    # given
    client, secret = factories.make_client(tenant, name="M2M")
    grant = factories.make_grant(client, rs256_api, scope=["read:items"])

    # when
    patched = mgmt("PATCH", f"client-grants/{grant.public_id}", {"scope": ["read:items", "write:items"]})

    # then
    assert (patched.status_code, patched.json()["scope"]) == (200, ["read:items", "write:items"])

    # when
    deleted = mgmt("DELETE", f"client-grants/{grant.public_id}")

    # then: no more tokens for that API
    assert deleted.status_code == 204
    assert not ClientGrant.objects.filter(pk=grant.pk).exists()
    assert _client_credentials(tenant, client.client_id, secret, rs256_api.identifier).status_code == 403


def test_duplicate_grant_is_409(mgmt, tenant, rs256_api):
    # given
    client, _ = factories.make_client(tenant, name="M2M")
    factories.make_grant(client, rs256_api)

    # when
    response = mgmt(
        "POST", "client-grants", {"client_id": client.client_id, "audience": rs256_api.identifier}
    )

    # then
    assert_error(response, 409, "client_grant_conflict")
    assert ClientGrant.objects.filter(client=client).count() == 1


@pytest.mark.parametrize(
    ("body", "status", "error_code"),
    [
        pytest.param(
            {"audience": "https://nowhere.test/"}, 404, "inexistent_resource_server", id="unknown-audience"
        ),
        pytest.param({"client_id": "nope"}, 404, "inexistent_client", id="unknown-client"),
        pytest.param({"scope": ["delete:everything"]}, 400, "invalid_body", id="scope-not-on-the-api"),
        pytest.param({"scope": "read:items"}, 400, "invalid_body", id="scope-not-a-list"),
        pytest.param({"not_an_auth0_field": 1}, 400, "invalid_body", id="field-outside-auth0-schema"),
    ],
)
def test_bad_grant_requests(mgmt, tenant, rs256_api, body, status, error_code):
    # given
    client, _ = factories.make_client(tenant, name="M2M")
    payload = {"client_id": client.client_id, "audience": rs256_api.identifier, **body}

    # when
    response = mgmt("POST", "client-grants", payload)

    # then
    assert_error(response, status, error_code)
    assert not ClientGrant.objects.filter(client=client).exists()


def test_grant_to_another_tenants_api_or_client_is_404(mgmt, tenant, other_tenant, rs256_api):
    # given
    mine, _ = factories.make_client(tenant, name="Mine")
    theirs, _ = factories.make_client(other_tenant, name="Theirs")
    their_api = factories.make_api(other_tenant, identifier="https://theirs.test/")
    their_grant = factories.make_grant(theirs, their_api)

    # when
    to_their_api = mgmt(
        "POST", "client-grants", {"client_id": mine.client_id, "audience": their_api.identifier}
    )
    for_their_client = mgmt(
        "POST", "client-grants", {"client_id": theirs.client_id, "audience": rs256_api.identifier}
    )
    their_grant_read = mgmt("GET", f"client-grants/{their_grant.public_id}")
    their_grant_deleted = mgmt("DELETE", f"client-grants/{their_grant.public_id}")
    listed = mgmt("GET", "client-grants", query={"client_id": theirs.client_id}).json()

    # then
    assert_error(to_their_api, 404, "inexistent_resource_server")
    assert_error(for_their_client, 404, "inexistent_client")
    assert_error(their_grant_read, 404, "inexistent_client_grant")
    assert_error(their_grant_deleted, 404, "inexistent_client_grant")
    assert listed == []
    assert ClientGrant.objects.filter(pk=their_grant.pk).exists()


def test_grant_list_checkpoint_pagination(mgmt, tenant, rs256_api, hs256_api):
    # given: Auth0's SDKs list client grants with `take` and follow `next` with `from`
    client, _ = factories.make_client(tenant, name="M2M")
    g1, g2 = factories.make_grant(client, rs256_api), factories.make_grant(client, hs256_api)

    # when
    first = mgmt("GET", "client-grants", query={"client_id": client.client_id, "take": 1}).json()
    second = mgmt(
        "GET", "client-grants", query={"client_id": client.client_id, "take": 1, "from": first["next"]}
    ).json()

    # then
    assert first == {"client_grants": [mgmt("GET", f"client-grants/{g1.public_id}").json()], "next": "1"}
    assert second == {"client_grants": [mgmt("GET", f"client-grants/{g2.public_id}").json()]}
    assert_error(mgmt("GET", "client-grants", query={"take": 0}), 400, "invalid_query_string")
    assert_error(mgmt("GET", "client-grants", query={"from": "abc"}), 400, "invalid_query_string")
