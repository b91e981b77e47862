"""JWKS and discovery from the cache of published documents (tenants/published.py): ETag and 304,
and every change seen at the next request, with the version in a shared cache or in the database."""

import pytest
from django.core.cache import cache

from tenants.models import SigningKey
from tenants.services import signing_key_revoke, signing_keys_rotate, tenant_update
from tests import factories

JWKS = "/acme/.well-known/jwks.json"
DISCOVERY = "/acme/.well-known/openid-configuration"


@pytest.fixture(params=[True, False], ids=["version_in_cache_case", "version_in_database_case"])
def mode(request, settings):
    """Both ways of keeping the version; the local-memory cache stands in for Redis in one process."""
    settings.PUBLISHED_VERSIONS_IN_CACHE = request.param
    cache.clear()
    yield request.param
    cache.clear()


def _kids(resp) -> set[str]:
    return {k["kid"] for k in resp.json()["keys"]}


@pytest.mark.parametrize("path", [JWKS, DISCOVERY], ids=["jwks_case", "discovery_case"])
def test_a_matching_if_none_match_is_answered_304_with_the_same_etag(client, tenant, mode, path):
    # given
    first = client.get(path)
    # when
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    other = client.get(path, HTTP_IF_NONE_MATCH='"something-else"')
    # then
    assert first.status_code == 200
    assert first["ETag"].startswith('"')
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == first["Cache-Control"]
    assert other.status_code == 200
    assert other.content == first.content


@pytest.mark.parametrize("path", [JWKS, DISCOVERY], ids=["jwks_case", "discovery_case"])
def test_a_cached_document_costs_no_query_with_the_version_in_the_cache_and_one_without(
    client, tenant, mode, path, django_assert_num_queries
):
    # given
    built = client.get(path)
    # when / then
    with django_assert_num_queries(0 if mode else 1):
        served = client.get(path)
    assert served.status_code == 200
    assert served.content == built.content
    assert served["ETag"] == built["ETag"]


def test_rotation_and_revocation_change_the_body_and_etag_at_the_next_request(client, tenant, mode):
    # given
    before = client.get(JWKS)
    # when
    rotation = next(r for r in signing_keys_rotate(tenant=tenant) if r.alg == "RS256")
    rotated = client.get(JWKS, HTTP_IF_NONE_MATCH=before["ETag"])
    signing_key_revoke(tenant=tenant, kid=rotation.previous_kid)
    revoked = client.get(JWKS, HTTP_IF_NONE_MATCH=rotated["ETag"])
    # then
    assert rotated.status_code == 200
    assert rotated["ETag"] != before["ETag"]
    assert _kids(rotated) == {rotation.previous_kid, rotation.current_kid, rotation.next_kid}
    assert revoked.status_code == 200
    assert revoked["ETag"] not in (before["ETag"], rotated["ETag"])
    assert _kids(revoked) == {rotation.current_kid, rotation.next_kid}


def test_a_new_algorithm_chain_is_published_at_once(client, tenant, mode):
    # given
    before = _kids(client.get(JWKS))
    # when: registering the first ES256 API creates that chain
    factories.make_api(tenant, identifier="https://es.acme.test/", signing_alg="ES256")
    after = client.get(JWKS)
    # then
    es256 = set(SigningKey.objects.for_tenant(tenant).filter(alg="ES256").values_list("kid", flat=True))
    assert len(es256) == 2
    assert _kids(after) == before | es256


def test_without_a_shared_cache_a_change_made_by_another_process_is_seen_at_once(settings, client, tenant):
    # given: the version comes from the database; another process's bump would not reach this one
    settings.PUBLISHED_VERSIONS_IN_CACHE = False
    cache.clear()
    before = client.get(JWKS)
    current = SigningKey.objects.for_tenant(tenant).get(alg="RS256", state="current")
    # when: a revocation written by someone else, with no bump in this process
    SigningKey.objects.filter(pk=current.pk).update(
        state="revoked", updated_at=current.updated_at.replace(year=2099)
    )
    after = client.get(JWKS)
    # then
    assert current.kid in _kids(before)
    assert current.kid not in _kids(after)
    assert after["ETag"] != before["ETag"]


def test_each_tenant_has_its_own_documents(client, tenant, other_tenant, mode):
    # given
    acme, other = client.get(JWKS), client.get("/other/.well-known/jwks.json")
    # when
    signing_keys_rotate(tenant=other_tenant)
    acme_after, other_after = client.get(JWKS), client.get("/other/.well-known/jwks.json")
    # then
    assert not _kids(acme) & _kids(other)
    assert acme_after["ETag"] == acme["ETag"]
    assert other_after["ETag"] != other["ETag"]


def test_discovery_follows_public_url_and_tenant_settings(client, settings, tenant, mode):
    # given
    before = client.get(DISCOVERY).json()
    # when
    settings.PUBLIC_URL = "https://auth.example.test"
    moved = client.get(DISCOVERY).json()
    tenant_update(tenant=tenant, friendly_name="Acme Renamed")
    after_update = client.get(DISCOVERY)
    # then
    assert before["issuer"] == "http://127.0.0.1:8000/acme/"
    assert moved["issuer"] == "https://auth.example.test/acme/"
    assert after_update.status_code == 200


@pytest.mark.parametrize("path", [JWKS, DISCOVERY], ids=["jwks_case", "discovery_case"])
def test_an_unknown_tenant_is_404_and_leaves_nothing_in_the_cache(client, db, mode, path):
    # when
    resp = client.get(path.replace("acme", "nosuch"))
    # then
    assert resp.status_code == 404
    assert resp.json()["error"] == "not_found"
    assert cache._cache == {}  # the local-memory cache's own store: no version, no document


def test_a_tenant_created_after_a_404_is_served(client, db, mode):
    # given
    assert client.get(JWKS).status_code == 404
    # when
    tenant = factories.make_tenant("acme")
    resp = client.get(JWKS)
    # then
    assert resp.status_code == 200
    assert _kids(resp) == set(
        SigningKey.objects.for_tenant(tenant).exclude(state="revoked").values_list("kid", flat=True)
    )
