"""APIs in the admin: registration, immutable identifier, masked HS256 secret (SPEC 4, 5, 6).

The "Rotate signing secret" action, with its confirmation page, is in test_secret_confirmation.py.
"""

import datetime as dt

import pytest
from django.utils import timezone

from apis.models import ResourceServer
from apis.services import resource_server_rotate_secret
from tests.admin.changelist import action_body


def _api_body(tenant, **overrides) -> dict:
    return {
        "tenant": str(tenant.pk),
        "identifier": "https://orders.test/",
        "name": "Orders",
        "signing_alg": "RS256",
        "scopes-value": ["read:orders"],
        "scopes-description": ["Read orders"],
        "token_lifetime": "86400",
        "token_lifetime_for_web": "7200",
        "token_dialect": "access_token",
        **overrides,
    }


@pytest.fixture
def system_api(tenant):
    return ResourceServer.objects.get(tenant=tenant, is_system=True)


def test_superuser_registers_an_hs256_api_whose_secret_is_generated_and_masked(superuser_client, tenant):
    # when
    resp = superuser_client.post("/admin/apis/resourceserver/add/", _api_body(tenant, signing_alg="HS256"))
    # then
    assert resp.status_code == 302
    api = ResourceServer.objects.get(tenant=tenant, identifier="https://orders.test/")
    assert api.signing_alg == "HS256"
    assert api.scope_values == ["read:orders"]
    assert len(api.signing_secret) >= 43  # 256 random bits, URL-safe base64
    page = superuser_client.get(f"/admin/apis/resourceserver/{api.pk}/change/").content.decode()
    assert f"…{api.signing_secret[-4:]}" in page
    assert api.signing_secret not in page
    assert api.signing_secret_encrypted not in page


def test_a_duplicate_identifier_is_a_form_error(superuser_client, tenant, rs256_api):
    # when
    resp = superuser_client.post(
        "/admin/apis/resourceserver/add/", _api_body(tenant, identifier=rs256_api.identifier)
    )
    # then
    assert resp.status_code == 200
    assert resp.context["adminform"].form.errors
    assert ResourceServer.objects.filter(identifier=rs256_api.identifier).count() == 1


def test_a_nul_character_in_a_scope_is_a_form_error(superuser_client, tenant, rs256_api):
    # when
    resp = superuser_client.post(
        f"/admin/apis/resourceserver/{rs256_api.pk}/change/",
        _api_body(tenant, name="Acme API", **{"scopes-value": ["read:a\x00b"], "scopes-description": [""]}),
    )
    # then
    assert resp.status_code == 200
    assert resp.context["adminform"].form.errors == {
        "scopes": ["Null characters and lone surrogates are not allowed."]
    }
    assert ResourceServer.objects.get(pk=rs256_api.pk).scope_values == ["read:items", "write:items"]


def test_a_previous_secret_past_its_grace_is_not_shown(superuser_client, hs256_api):
    # given: a rotation whose grace period has run out
    rotated = resource_server_rotate_secret(api=hs256_api, grace_seconds=60)
    ResourceServer.objects.filter(pk=hs256_api.pk).update(
        previous_signing_secret_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    # when
    page = superuser_client.get(f"/admin/apis/resourceserver/{hs256_api.pk}/change/").content.decode()
    # then
    assert f"…{hs256_api.signing_secret[-4:]}" not in page  # the old secret, now expired
    assert f"…{rotated.signing_secret[-4:]}" in page
    assert "verifies until" not in page


def test_identifier_is_read_only_after_creation(superuser_client, tenant, rs256_api):
    # when
    resp = superuser_client.post(
        f"/admin/apis/resourceserver/{rs256_api.pk}/change/",
        _api_body(tenant, identifier="https://renamed.test/", name="Renamed", token_lifetime="7200"),
    )
    # then
    assert resp.status_code == 302
    rs256_api.refresh_from_db()
    assert (rs256_api.identifier, rs256_api.name, rs256_api.token_lifetime) == (
        "https://api.acme.test/",
        "Renamed",
        7200,
    )


def test_system_api_takes_only_a_lifetime_change(superuser_client, tenant, system_api):
    # when
    resp = superuser_client.post(
        f"/admin/apis/resourceserver/{system_api.pk}/change/",
        _api_body(tenant, name="Hacked", signing_alg="HS256", token_lifetime="43200", scopes="[]"),
    )
    # then
    assert resp.status_code == 302
    system_api.refresh_from_db()
    assert (system_api.name, system_api.signing_alg, system_api.token_lifetime) == (
        "Auth0 Management API",
        "RS256",
        43200,
    )
    assert len(system_api.scopes) > 0


def test_system_api_lifetime_below_its_web_lifetime_is_a_form_error(superuser_client, tenant, system_api):
    # when: token_lifetime_for_web (7200, read-only here) would exceed the token lifetime
    resp = superuser_client.post(
        f"/admin/apis/resourceserver/{system_api.pk}/change/", _api_body(tenant, token_lifetime="600")
    )
    # then
    assert resp.status_code == 200
    assert resp.context["adminform"].form.non_field_errors() == [
        "token_lifetime_for_web: The lifetime for web flows cannot be greater than the token lifetime."
    ]
    system_api.refresh_from_db()
    assert system_api.token_lifetime == 86400


def test_system_api_cannot_be_deleted(superuser_client, system_api):
    # when
    one = superuser_client.post(f"/admin/apis/resourceserver/{system_api.pk}/delete/", {"post": "yes"})
    bulk = superuser_client.post(
        "/admin/apis/resourceserver/", action_body("delete_selected", system_api.pk, post="yes")
    )
    # then
    assert (one.status_code, bulk.status_code) == (403, 403)
    assert ResourceServer.objects.filter(pk=system_api.pk).exists()


def test_deleting_the_default_audience_clears_it(superuser_client, tenant, rs256_api):
    # given
    tenant.default_audience = rs256_api
    tenant.save()
    # when
    resp = superuser_client.post(f"/admin/apis/resourceserver/{rs256_api.pk}/delete/", {"post": "yes"})
    # then
    assert resp.status_code == 302
    assert not ResourceServer.objects.filter(pk=rs256_api.pk).exists()
    tenant.refresh_from_db()
    assert tenant.default_audience is None
