"""Tenants: slug rules (service and database), URLs derived from PUBLIC_URL, Default Audience (SPEC 1, 5)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tenants.models import SigningKey, Tenant
from tenants.services import tenant_create, tenant_update
from tests import factories

SLUG_RULE = (
    "A slug is 1 to 63 lowercase letters, digits and hyphens, and starts and ends with a letter or digit."
)


@pytest.mark.parametrize(
    "slug",
    ["Acme", "-acme", "acme-", "ac_me", "ac.me", "ac me", "a" * 64],
    ids=["uppercase", "leading_hyphen", "trailing_hyphen", "underscore", "dot", "space", "64_chars"],
)
def test_service_rejects_slug_outside_the_pattern(db, slug):
    # when
    with pytest.raises(ValidationError) as excinfo:
        tenant_create(slug=slug)

    # then
    assert SLUG_RULE in excinfo.value.message_dict["slug"]
    assert not Tenant.objects.exists()
    assert not SigningKey.objects.exists()


@pytest.mark.parametrize("slug", ["admin", "api", "static", "healthz", "readyz"])
def test_service_rejects_reserved_slug(db, slug):
    # when
    with pytest.raises(ValidationError) as excinfo:
        tenant_create(slug=slug)

    # then
    assert excinfo.value.message_dict == {
        "slug": [f'"{slug}" is a reserved word and cannot be a tenant slug.']
    }
    assert not Tenant.objects.exists()


@pytest.mark.parametrize("slug", ["a", "a1", "my-tenant-2", "a" * 63])
def test_slug_inside_the_pattern_is_valid(db, slug):
    # given
    tenant = Tenant(slug=slug)

    # when / then: full_clean is what every service runs before saving
    tenant.full_clean()


def test_service_creates_tenant_with_current_and_next_rs256_keys(db):
    # when
    tenant = tenant_create(slug="acme", friendly_name="Acme Inc.")

    # then
    assert Tenant.objects.get(slug="acme").friendly_name == "Acme Inc."
    assert sorted(SigningKey.objects.for_tenant(tenant).values_list("alg", "state")) == [
        ("RS256", "current"),
        ("RS256", "next"),
    ]


@pytest.mark.parametrize(
    "slug",
    ["Bad_Slug", "-acme", "acme-", "admin", "healthz"],
    ids=["pattern", "leading_hyphen", "trailing_hyphen", "reserved_admin", "reserved_healthz"],
)
def test_database_constraint_rejects_bad_slug_without_full_clean(db, slug):
    # when: a write that skips the model validation (raw ORM create)
    with pytest.raises(IntegrityError), transaction.atomic():
        Tenant.objects.create(slug=slug)

    # then
    assert not Tenant.objects.filter(slug=slug).exists()


def test_urls_derive_from_public_url(settings):
    # given
    settings.PUBLIC_URL = "https://auth.example.test:8443"
    tenant = Tenant(slug="acme")

    # then
    assert tenant.issuer == "https://auth.example.test:8443/acme/"
    assert tenant.userinfo_audience == "https://auth.example.test:8443/acme/userinfo"
    assert tenant.management_audience == "https://auth.example.test:8443/acme/api/v2/"


def test_urls_default_to_local_public_url():
    # given
    tenant = Tenant(slug="acme")

    # then
    assert tenant.issuer == "http://127.0.0.1:8000/acme/"
    assert tenant.management_audience == "http://127.0.0.1:8000/acme/api/v2/"


def test_default_audience_can_be_an_api_of_the_tenant(tenant, rs256_api):
    # when
    tenant_update(tenant=tenant, default_audience=rs256_api)

    # then
    tenant.refresh_from_db()
    assert tenant.default_audience == rs256_api


def test_default_audience_from_another_tenant_is_rejected(tenant, other_tenant):
    # given
    other_api = factories.make_api(other_tenant, identifier="https://api.other.test/")

    # when
    with pytest.raises(ValidationError) as excinfo:
        tenant_update(tenant=tenant, default_audience=other_api)

    # then
    assert excinfo.value.message_dict == {
        "default_audience": ["The Default Audience must be an API of this tenant."]
    }
    assert Tenant.objects.get(pk=tenant.pk).default_audience is None


def test_default_audience_can_be_cleared(tenant, rs256_api):
    # given
    tenant_update(tenant=tenant, default_audience=rs256_api)

    # when
    tenant_update(tenant=tenant, default_audience=None)

    # then
    assert Tenant.objects.get(pk=tenant.pk).default_audience is None
