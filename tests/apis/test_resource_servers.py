"""APIs (resource servers): identifiers, algorithms, HS256 secrets, lifetimes, system API (SPEC 3, 4, 5)."""

import pytest
from django.core.exceptions import ValidationError

from apis.errors import ResourceServerConflict, SystemResourceServerError
from apis.models import ResourceServer
from apis.services import resource_server_create, resource_server_delete, resource_server_update
from core import crypto
from tenants.models import SigningKey
from tests import factories


def _stored_secret(api: ResourceServer) -> str:
    return ResourceServer.objects.filter(pk=api.pk).values_list("signing_secret_encrypted", flat=True).get()


def test_duplicate_identifier_in_a_tenant_is_a_conflict(tenant, rs256_api):
    # when
    with pytest.raises(ResourceServerConflict) as excinfo:
        resource_server_create(tenant=tenant, identifier=rs256_api.identifier, name="Again")

    # then
    assert (excinfo.value.status, excinfo.value.code) == (409, "resource_server_conflict")
    assert excinfo.value.message == "A resource server with the same identifier already exists."
    assert ResourceServer.objects.for_tenant(tenant).filter(identifier=rs256_api.identifier).count() == 1


def test_same_identifier_is_allowed_in_two_tenants(tenant, other_tenant, rs256_api):
    # when
    twin = resource_server_create(tenant=other_tenant, identifier=rs256_api.identifier, name="Twin")

    # then
    assert twin.tenant == other_tenant
    assert ResourceServer.objects.filter(identifier=rs256_api.identifier).count() == 2


def test_identifiers_that_differ_by_a_trailing_slash_are_two_apis(tenant):
    # when
    with_slash = resource_server_create(tenant=tenant, identifier="https://x.test/", name="X/")
    without = resource_server_create(tenant=tenant, identifier="https://x.test", name="X")

    # then
    assert with_slash.pk != without.pk


def test_identifier_of_600_characters_is_accepted(tenant):
    # given
    identifier = "https://api.test/" + "a" * (600 - len("https://api.test/"))

    # when
    api = resource_server_create(tenant=tenant, identifier=identifier, name="Long")

    # then
    assert len(ResourceServer.objects.get(pk=api.pk).identifier) == 600


def test_identifier_over_600_characters_is_rejected(tenant):
    # given
    identifier = "https://api.test/" + "a" * (601 - len("https://api.test/"))

    # when
    with pytest.raises(ValidationError) as excinfo:
        resource_server_create(tenant=tenant, identifier=identifier, name="Too long")

    # then
    assert excinfo.value.message_dict == {
        "identifier": ["Ensure this value has at most 600 characters (it has 601)."]
    }
    assert not ResourceServer.objects.filter(name="Too long").exists()


def test_identifier_cannot_change_through_the_service(rs256_api):
    # when
    with pytest.raises(ValidationError) as excinfo:
        resource_server_update(api=rs256_api, identifier="https://renamed.acme.test/")

    # then
    assert excinfo.value.message_dict == {
        "identifier": ["The identifier of an API cannot be changed once set."]
    }
    assert ResourceServer.objects.get(pk=rs256_api.pk).identifier == "https://api.acme.test/"


def test_identifier_cannot_change_through_model_validation(rs256_api):
    # given: the admin's path, which edits the instance and runs full_clean
    api = ResourceServer.objects.get(pk=rs256_api.pk)
    api.identifier = "https://renamed.acme.test/"

    # when
    with pytest.raises(ValidationError) as excinfo:
        api.full_clean()

    # then
    assert excinfo.value.message_dict["identifier"] == [
        "The identifier of an API cannot be changed once set."
    ]
    assert ResourceServer.objects.get(pk=rs256_api.pk).identifier == "https://api.acme.test/"


def test_update_with_the_same_identifier_is_allowed(rs256_api):
    # when
    api = resource_server_update(api=rs256_api, identifier=rs256_api.identifier, name="Renamed")

    # then
    assert ResourceServer.objects.get(pk=api.pk).name == "Renamed"


@pytest.mark.parametrize("alg", ["none", "HS512", "RS512", "rs256", ""])
def test_unknown_signing_alg_is_rejected(tenant, alg):
    # given
    keys_before = SigningKey.objects.for_tenant(tenant).count()

    # when
    with pytest.raises(ValidationError) as excinfo:
        resource_server_create(tenant=tenant, identifier="https://bad-alg.test/", name="Bad", signing_alg=alg)

    # then
    assert list(excinfo.value.message_dict) == ["signing_alg"]
    assert not ResourceServer.objects.filter(identifier="https://bad-alg.test/").exists()
    assert SigningKey.objects.for_tenant(tenant).count() == keys_before


def test_hs256_api_gets_a_generated_secret_encrypted_at_rest(hs256_api):
    # given
    secret = hs256_api.signing_secret
    stored = _stored_secret(hs256_api)

    # then: 256 bits, URL-safe base64 without padding, is 43 characters
    assert len(secret) >= 43
    assert stored != secret
    assert secret not in stored
    assert crypto.decrypt(stored) == secret
    assert ResourceServer.objects.get(pk=hs256_api.pk).signing_secret == secret


def test_hs256_secrets_differ_between_apis(tenant, hs256_api):
    # when
    second = factories.make_api(tenant, identifier="https://hs2.acme.test/", signing_alg="HS256")

    # then
    assert second.signing_secret != hs256_api.signing_secret


def test_hs256_api_keeps_a_given_secret(tenant):
    # given
    given = "x" * 48

    # when
    api = resource_server_create(
        tenant=tenant,
        identifier="https://given.acme.test/",
        name="Given",
        signing_alg="HS256",
        signing_secret=given,
    )

    # then
    assert crypto.decrypt(_stored_secret(api)) == given


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256"])
def test_asymmetric_api_has_no_secret(tenant, alg):
    # when
    api = resource_server_create(
        tenant=tenant, identifier=f"https://{alg}.acme.test/", name=alg, signing_alg=alg
    )

    # then
    assert _stored_secret(api) == ""
    assert api.signing_secret == ""


@pytest.mark.parametrize(
    ("lifetime", "message"),
    [
        (0, "Ensure this value is greater than or equal to 1."),
        (2_592_001, "Ensure this value is less than or equal to 2592000."),
    ],
)
def test_token_lifetime_out_of_range_is_rejected(tenant, lifetime, message):
    # when
    with pytest.raises(ValidationError) as excinfo:
        resource_server_create(
            tenant=tenant, identifier="https://lifetime.test/", name="Lifetime", token_lifetime=lifetime
        )

    # then
    assert excinfo.value.message_dict["token_lifetime"] == [message]
    assert not ResourceServer.objects.filter(identifier="https://lifetime.test/").exists()


def test_token_lifetime_of_one_second_is_accepted(tenant):
    # when
    api = resource_server_create(
        tenant=tenant, identifier="https://lifetime.test/", name="Lifetime", token_lifetime=1
    )

    # then
    assert ResourceServer.objects.get(pk=api.pk).token_lifetime == 1


def test_token_lifetime_of_30_days_is_accepted(tenant):
    # when
    api = resource_server_create(
        tenant=tenant, identifier="https://lifetime.test/", name="Lifetime", token_lifetime=2_592_000
    )

    # then
    assert ResourceServer.objects.get(pk=api.pk).token_lifetime == 2_592_000


def test_token_lifetime_defaults_to_a_day(rs256_api):
    # then
    assert ResourceServer.objects.get(pk=rs256_api.pk).token_lifetime == 86_400


def test_system_api_cannot_be_deleted(tenant):
    # given
    management_api = ResourceServer.objects.for_tenant(tenant).get(is_system=True)

    # when
    with pytest.raises(SystemResourceServerError) as excinfo:
        resource_server_delete(api=management_api)

    # then
    assert excinfo.value.status == 403
    assert excinfo.value.message == "The Management API is a system API and cannot be deleted."
    assert ResourceServer.objects.filter(pk=management_api.pk).exists()


def test_api_can_be_deleted(tenant, rs256_api):
    # when
    resource_server_delete(api=rs256_api)

    # then
    assert not ResourceServer.objects.filter(pk=rs256_api.pk).exists()


@pytest.mark.parametrize("alg", ["PS256", "ES256"])
def test_first_api_of_a_new_algorithm_creates_its_key_chain(tenant, alg):
    # given
    assert not SigningKey.objects.for_tenant(tenant).filter(alg=alg).exists()

    # when
    resource_server_create(
        tenant=tenant, identifier="https://first.acme.test/", name="First", signing_alg=alg
    )

    # then
    assert sorted(SigningKey.objects.for_tenant(tenant).filter(alg=alg).values_list("state", flat=True)) == [
        "current",
        "next",
    ]


@pytest.mark.parametrize("alg", ["PS256", "ES256"])
def test_second_api_of_an_algorithm_reuses_its_key_chain(tenant, alg):
    # given
    resource_server_create(
        tenant=tenant, identifier="https://first.acme.test/", name="First", signing_alg=alg
    )
    kids = set(SigningKey.objects.for_tenant(tenant).values_list("kid", flat=True))

    # when
    resource_server_create(
        tenant=tenant, identifier="https://second.acme.test/", name="Second", signing_alg=alg
    )

    # then
    assert set(SigningKey.objects.for_tenant(tenant).values_list("kid", flat=True)) == kids


def test_new_algorithm_chain_belongs_to_its_tenant_only(tenant, other_tenant):
    # when
    resource_server_create(tenant=tenant, identifier="https://es.acme.test/", name="ES", signing_alg="ES256")

    # then
    assert not SigningKey.objects.for_tenant(other_tenant).filter(alg="ES256").exists()
    assert set(SigningKey.objects.for_tenant(other_tenant).values_list("alg", flat=True)) == {"RS256"}


def test_hs256_api_creates_no_signing_keys(tenant):
    # given
    kids = set(SigningKey.objects.for_tenant(tenant).values_list("kid", flat=True))

    # when
    factories.make_api(tenant, identifier="https://hs.only.test/", signing_alg="HS256")

    # then
    assert set(SigningKey.objects.for_tenant(tenant).values_list("kid", flat=True)) == kids
