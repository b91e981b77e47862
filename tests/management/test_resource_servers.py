"""Management API: resource servers (SPEC section 5; Auth0 `/api/v2/resource-servers`)."""

from urllib.parse import quote

import pytest

from apis.models import ResourceServer
from apis.services import resource_server_rotate_secret
from tests import factories
from tests.management.conftest import assert_error

FIELDS = {
    "id",
    "name",
    "identifier",
    "is_system",
    "signing_alg",
    "scopes",
    "token_lifetime",
    "token_lifetime_for_web",
    "allow_offline_access",
    "skip_consent_for_verifiable_first_party_clients",
    "enforce_policies",
    "token_dialect",
}


def test_create_answers_201_with_auth0_fields(mgmt, tenant):
    # when
    response = mgmt(
        "POST",
        "resource-servers",
        {
            "identifier": "https://orders.test/",
            "name": "Orders",
            "signing_alg": "PS256",
            "scopes": [{"value": "read:orders", "description": "Read orders"}],
            "token_lifetime": 3600,
            "token_lifetime_for_web": 600,
            "enforce_policies": True,
            "token_dialect": "access_token_authz",
        },
    )

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == FIELDS  # no signing_secret for an asymmetric API
    api = ResourceServer.objects.for_tenant(tenant).get(identifier="https://orders.test/")
    assert body == {
        "id": api.public_id,
        "name": "Orders",
        "identifier": "https://orders.test/",
        "is_system": False,
        "signing_alg": "PS256",
        "scopes": [{"value": "read:orders", "description": "Read orders"}],
        "token_lifetime": 3600,
        "token_lifetime_for_web": 600,
        "allow_offline_access": False,
        "skip_consent_for_verifiable_first_party_clients": True,
        "enforce_policies": True,
        "token_dialect": "access_token_authz",
    }


def test_create_with_defaults(mgmt):
    # when
    body = mgmt("POST", "resource-servers", {"identifier": "https://min.test"}).json()

    # then
    assert (body["name"], body["signing_alg"], body["token_lifetime"], body["scopes"]) == (
        "https://min.test",
        "RS256",
        86400,
        [],
    )


def test_hs256_api_shows_its_generated_secret(mgmt, tenant):
    # when
    response = mgmt("POST", "resource-servers", {"identifier": "https://hs.test/", "signing_alg": "HS256"})

    # then
    assert response.status_code == 201
    secret = response.json()["signing_secret"]
    assert len(secret) >= 43  # 256 random bits, URL-safe base64
    assert (
        ResourceServer.objects.for_tenant(tenant).get(identifier="https://hs.test/").signing_secret == secret
    )


def test_previous_secret_is_shown_during_its_grace_period_only(mgmt, hs256_api):
    # given
    old_secret = hs256_api.signing_secret
    resource_server_rotate_secret(api=hs256_api, grace_seconds=3600)
    rotated = ResourceServer.objects.get(pk=hs256_api.pk)

    # when
    body = mgmt("GET", f"resource-servers/{hs256_api.public_id}").json()

    # then
    assert body["signing_secret"] == rotated.signing_secret != old_secret
    assert body["previous_signing_secret"] == old_secret
    assert body["previous_signing_secret_expires_at"].startswith(
        rotated.previous_signing_secret_expires_at.strftime("%Y-%m-%dT%H:%M:%S")
    )

    # when the grace is zero, nothing previous is shown
    resource_server_rotate_secret(api=hs256_api, grace_seconds=0)
    body = mgmt("GET", f"resource-servers/{hs256_api.public_id}").json()
    assert "previous_signing_secret" not in body
    assert "previous_signing_secret_expires_at" not in body


def test_duplicate_identifier_is_409(mgmt, tenant, rs256_api):
    # when
    response = mgmt("POST", "resource-servers", {"identifier": rs256_api.identifier, "name": "Again"})

    # then
    assert_error(
        response,
        409,
        "resource_server_conflict",
        "A resource server with the same identifier already exists.",
    )
    assert ResourceServer.objects.for_tenant(tenant).filter(identifier=rs256_api.identifier).count() == 1


def test_get_by_id_or_url_encoded_identifier(mgmt, rs256_api):
    # when
    by_id = mgmt("GET", f"resource-servers/{rs256_api.public_id}")
    by_identifier = mgmt("GET", f"resource-servers/{quote(rs256_api.identifier, safe='')}")

    # then
    assert by_id.status_code == by_identifier.status_code == 200
    assert by_id.json() == by_identifier.json()
    assert by_id.json()["identifier"] == "https://api.acme.test/"


def test_identifiers_differing_by_a_trailing_slash_are_two_apis(mgmt, rs256_api):
    # given
    mgmt("POST", "resource-servers", {"identifier": "https://api.acme.test", "name": "No slash"})

    # when
    body = mgmt("GET", f"resource-servers/{quote('https://api.acme.test', safe='')}").json()

    # then
    assert body["name"] == "No slash"


def test_unknown_api_is_404(mgmt):
    assert_error(
        mgmt("GET", "resource-servers/nope"), 404, "inexistent_resource_server", "Resource server not found."
    )


def test_list_filters_by_identifiers(mgmt, tenant, rs256_api, hs256_api):
    # when
    body = mgmt(
        "GET", "resource-servers", query={"identifiers": [rs256_api.identifier, hs256_api.identifier]}
    ).json()

    # then
    assert [a["identifier"] for a in body] == [rs256_api.identifier, hs256_api.identifier]


def test_list_pages_with_totals(mgmt, tenant, rs256_api, hs256_api):
    # when: the Management API, then the two APIs, in creation order
    first = mgmt("GET", "resource-servers", query={"per_page": 2, "page": 0, "include_totals": "true"}).json()
    second = mgmt(
        "GET", "resource-servers", query={"per_page": 2, "page": 1, "include_totals": "true"}
    ).json()
    beyond = mgmt("GET", "resource-servers", query={"per_page": 2, "page": 5})

    # then
    assert set(first) == {"resource_servers", "start", "limit", "total"}
    assert (first["start"], first["limit"], first["total"]) == (0, 2, 3)
    assert [a["identifier"] for a in first["resource_servers"]] == [
        tenant.management_audience,
        rs256_api.identifier,
    ]
    assert (second["start"], [a["identifier"] for a in second["resource_servers"]]) == (
        2,
        [hs256_api.identifier],
    )
    assert beyond.status_code == 200
    assert beyond.json() == []


def test_patch_changes_only_the_fields_sent(mgmt, rs256_api):
    # when
    response = mgmt(
        "PATCH", f"resource-servers/{rs256_api.public_id}", {"name": "Renamed", "token_lifetime": 7200}
    )

    # then
    assert response.status_code == 200
    api = ResourceServer.objects.get(pk=rs256_api.pk)
    assert (api.name, api.token_lifetime, api.signing_alg) == ("Renamed", 7200, "RS256")
    assert response.json()["name"] == "Renamed"


def test_a_short_token_lifetime_pulls_the_web_lifetime_down(mgmt, rs256_api):
    # when: Auth0's SDKs set token_lifetime alone (the web lifetime defaults to 7200 s)
    body = mgmt("PATCH", f"resource-servers/{rs256_api.public_id}", {"token_lifetime": 60}).json()

    # then
    assert (body["token_lifetime"], body["token_lifetime_for_web"]) == (60, 60)


def test_patch_to_hs256_generates_a_secret(mgmt, rs256_api):
    # when
    body = mgmt("PATCH", f"resource-servers/{rs256_api.public_id}", {"signing_alg": "HS256"}).json()

    # then
    assert body["signing_alg"] == "HS256"
    assert body["signing_secret"] == ResourceServer.objects.get(pk=rs256_api.pk).signing_secret


def test_patch_with_identifier_is_refused(mgmt, rs256_api):
    # when
    response = mgmt("PATCH", f"resource-servers/{rs256_api.public_id}", {"identifier": rs256_api.identifier})

    # then
    assert_error(
        response,
        400,
        "invalid_body",
        "Payload validation error: 'Additional properties not allowed: identifier'.",
    )


def test_null_means_absent(mgmt, rs256_api):
    # when: an SDK sends nulls for the fields it was not given
    response = mgmt(
        "PATCH",
        f"resource-servers/{rs256_api.public_id}",
        {"name": "Renamed", "token_lifetime": None, "scopes": None, "signing_alg": None},
    )

    # then
    assert response.status_code == 200, response.content
    api = ResourceServer.objects.get(pk=rs256_api.pk)
    assert (api.name, api.token_lifetime, api.scope_values, api.signing_alg) == (
        "Renamed",
        86400,
        ["read:items", "write:items"],
        "RS256",
    )


def test_system_api_cannot_be_deleted(mgmt, tenant):
    # when
    response = mgmt("DELETE", f"resource-servers/{quote(tenant.management_audience, safe='')}")

    # then
    assert_error(response, 403, "operation_not_supported")
    assert ResourceServer.objects.filter(identifier=tenant.management_audience).exists()


def test_delete_answers_204(mgmt, rs256_api):
    # when
    response = mgmt("DELETE", f"resource-servers/{rs256_api.public_id}")

    # then
    assert response.status_code == 204
    assert response.content == b""
    assert not ResourceServer.objects.filter(pk=rs256_api.pk).exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        pytest.param(
            {"identifier": "https://x.test/", "colour": "red"},
            "colour",
            "Payload validation error: 'Additional properties not allowed: colour'.",
            id="unknown-field",
        ),
        pytest.param(
            {"name": "No identifier"},
            "identifier",
            "Payload validation error: 'This field is required' on property identifier.",
            id="missing-identifier",
        ),
        pytest.param({"identifier": ""}, "identifier", None, id="empty-identifier"),
        pytest.param(
            {"identifier": "https://x.test/" + "a" * 586}, "identifier", None, id="identifier-601-chars"
        ),
        pytest.param(
            {"identifier": 42},
            "identifier",
            "Payload validation error: 'Expected type string but found type integer' on property identifier.",
            id="identifier-not-a-string",
        ),
        pytest.param({"identifier": "https://x.test/", "name": "x" * 201}, "name", None, id="name-too-long"),
        pytest.param(
            {"identifier": "https://x.test/", "name": "<script>"}, "name", None, id="name-with-angle-brackets"
        ),
        pytest.param(
            {"identifier": "https://x.test/", "signing_alg": "none"}, "signing_alg", None, id="alg-none"
        ),
        pytest.param(
            {"identifier": "https://x.test/", "signing_alg": "RS512"}, "signing_alg", None, id="alg-rs512"
        ),
        pytest.param(
            {"identifier": "https://x.test/", "token_lifetime": 0}, "token_lifetime", None, id="lifetime-zero"
        ),
        pytest.param(
            {"identifier": "https://x.test/", "token_lifetime": 2_592_001},
            "token_lifetime",
            None,
            id="lifetime-over-30-days",
        ),
        pytest.param(
            {"identifier": "https://x.test/", "token_lifetime": 1.5},
            "token_lifetime",
            None,
            id="lifetime-float",
        ),
        pytest.param(
            {"identifier": "https://x.test/", "token_lifetime": True},
            "token_lifetime",
            None,
            id="lifetime-boolean",
        ),
        pytest.param(
            {"identifier": "https://x.test/", "token_lifetime": 60, "token_lifetime_for_web": 120},
            "token_lifetime_for_web",
            None,
            id="web-lifetime-over-lifetime",
        ),
        pytest.param(
            {"identifier": "https://x.test/", "enforce_policies": "yes"},
            "enforce_policies",
            None,
            id="boolean-as-string",
        ),
        pytest.param(
            {"identifier": "https://x.test/", "scopes": "read:x"}, "scopes", None, id="scopes-not-a-list"
        ),
        pytest.param(
            {"identifier": "https://x.test/", "scopes": [{"value": ""}]},
            "scopes.0.value",
            None,
            id="empty-scope",
        ),
        pytest.param(
            {"identifier": "https://x.test/", "scopes": [{"value": "a b"}]},
            "scopes",
            None,
            id="scope-with-space",
        ),
        pytest.param(
            {"identifier": "https://x.test/", "scopes": [{"value": "a"}, {"value": "a"}]},
            "scopes",
            None,
            id="scope-twice",
        ),
        pytest.param(
            {"identifier": "https://x.test/", "scopes": [{"value": "a", "extra": 1}]},
            "scopes.0",
            None,
            id="scope-extra-field",
        ),
        pytest.param(
            {"identifier": "https://x.test/", "token_dialect": "jwt"},
            "token_dialect",
            None,
            id="unknown-dialect",
        ),
        pytest.param(
            {"identifier": "https://x.test/", "signing_alg": "HS256", "signing_secret": "short"},
            "signing_secret",
            None,
            id="short-secret",
        ),
        pytest.param(
            {"identifier": "https://x.test/", "signing_secret": "s" * 40},
            "signing_secret",
            None,
            id="secret-for-asymmetric-api",
        ),
    ],
)
def test_bad_create_bodies_are_400_naming_the_field(mgmt, tenant, body, field, message):
    # given
    count = ResourceServer.objects.for_tenant(tenant).count()

    # when
    response = mgmt("POST", "resource-servers", body)

    # then
    error = assert_error(response, 400, "invalid_body", message)
    assert f"property {field}" in error["message"] or f"not allowed: {field}" in error["message"], error
    assert ResourceServer.objects.for_tenant(tenant).count() == count


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "{not json"], ids=["array", "string", "malformed"])
def test_body_that_is_not_a_json_object_is_400(mgmt, raw):
    assert_error(mgmt("POST", "resource-servers", raw=raw), 400, "invalid_body")


def test_form_encoded_body_is_415(client, mgmt):
    # when
    response = client.post(
        "/acme/api/v2/resource-servers",
        "identifier=https%3A%2F%2Fx.test%2F",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Bearer {mgmt.token}",
    )

    # then
    assert_error(response, 415, "unsupported_media_type")


def test_api_of_another_tenant_is_404(mgmt, other_tenant):
    # given
    theirs = factories.make_api(other_tenant, identifier="https://theirs.test/")

    # when
    by_id = mgmt("GET", f"resource-servers/{theirs.public_id}")
    by_identifier = mgmt("PATCH", f"resource-servers/{quote(theirs.identifier, safe='')}", {"name": "Mine"})
    deleted = mgmt("DELETE", f"resource-servers/{theirs.public_id}")

    # then
    for response in (by_id, by_identifier, deleted):
        assert_error(response, 404, "inexistent_resource_server")
    assert ResourceServer.objects.get(pk=theirs.pk).name == theirs.name
