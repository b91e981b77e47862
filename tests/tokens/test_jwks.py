"""/{slug}/.well-known/jwks.json: next, current and previous keys, public members only (SPEC 1, 4)."""

import base64
import hashlib
import json

import jwt
import pytest
from cryptography import x509

from tenants.models import SigningKey
from tenants.services import signing_key_revoke, signing_keys_rotate
from tests import factories
from tests.tokens.conftest import ResponseJWKClient, b64url, issuer_of

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def _kids(doc: dict) -> set[str]:
    return {k["kid"] for k in doc["keys"]}


def _published_kids(tenant) -> set[str]:
    return set(
        SigningKey.objects.for_tenant(tenant)
        .filter(state__in=["next", "current", "previous"])
        .values_list("kid", flat=True)
    )


def test_new_tenant_publishes_its_current_and_next_key(client, tenant):
    # when
    resp = client.get("/acme/.well-known/jwks.json")
    # then
    assert resp.status_code == 200
    keys = resp.json()["keys"]
    assert len(keys) == 2
    assert _kids(resp.json()) == _published_kids(tenant)


def test_rotation_keeps_the_previous_key_and_revocation_removes_it(tenant, jwks):
    # given
    before = _kids(jwks())
    # when
    rotation = next(r for r in signing_keys_rotate(tenant=tenant) if r.alg == "RS256")
    after_rotation = _kids(jwks())
    signing_key_revoke(tenant=tenant, kid=rotation.previous_kid)
    after_revocation = _kids(jwks())
    # then
    assert rotation.previous_kid in before
    assert rotation.current_kid in before
    assert after_rotation == {rotation.previous_kid, rotation.current_kid, rotation.next_kid}
    assert after_revocation == {rotation.current_kid, rotation.next_kid}


def test_every_key_has_its_public_members_and_no_private_ones(tenant, jwks):
    # given: all three chains, and a previous key in each
    factories.make_api(tenant, identifier="https://ps.acme.test/", signing_alg="PS256")
    factories.make_api(tenant, identifier="https://es.acme.test/", signing_alg="ES256")
    signing_keys_rotate(tenant=tenant)
    # when
    keys = jwks()["keys"]
    # then
    assert sorted(k["alg"] for k in keys) == ["ES256"] * 3 + ["PS256"] * 3 + ["RS256"] * 3
    assert {k["kid"] for k in keys} == _published_kids(tenant)
    for key in keys:
        assert key["use"] == "sig"
        assert not PRIVATE_MEMBERS & set(key), key
        if key["alg"] == "ES256":
            assert key["kty"] == "EC"
            assert key["crv"] == "P-256"
            assert key["x"]
            assert key["y"]
        else:
            assert key["kty"] == "RSA"
            assert key["n"]
            assert key["e"]
        assert isinstance(key["x5c"], list)
        assert key["x5c"]
        assert isinstance(key["x5t"], str)
        assert key["x5t"]


def test_kid_is_the_rfc7638_thumbprint_and_x5c_carries_the_same_key(tenant, jwks):
    # given
    factories.make_api(tenant, identifier="https://es.acme.test/", signing_alg="ES256")
    # when
    keys = jwks()["keys"]
    # then
    for key in keys:
        required = ("e", "kty", "n") if key["kty"] == "RSA" else ("crv", "kty", "x", "y")
        canonical = json.dumps({m: key[m] for m in required}, separators=(",", ":"), sort_keys=True)
        assert key["kid"] == b64url(hashlib.sha256(canonical.encode()).digest())
        der = base64.b64decode(key["x5c"][0])
        assert key["x5t"] == b64url(hashlib.sha1(der).digest())  # noqa: S324 - x5t is SHA-1 by definition
        cert_key = x509.load_der_x509_certificate(der).public_key().public_numbers()
        jwk_key = jwt.PyJWK(key).key.public_numbers()
        assert cert_key == jwk_key


def test_jwks_is_cacheable_with_an_etag(client, tenant):
    # given
    first = client.get("/acme/.well-known/jwks.json")
    etag = first["ETag"]
    # when
    revalidated = client.get("/acme/.well-known/jwks.json", HTTP_IF_NONE_MATCH=etag)
    # then
    assert etag
    assert "max-age=" in first["Cache-Control"]
    assert revalidated.status_code == 304
    assert revalidated.content == b""


def test_etag_changes_when_the_keys_change(client, tenant):
    # given
    etag = client.get("/acme/.well-known/jwks.json")["ETag"]
    signing_keys_rotate(tenant=tenant)
    # when
    resp = client.get("/acme/.well-known/jwks.json", HTTP_IF_NONE_MATCH=etag)
    # then
    assert resp.status_code == 200
    assert resp["ETag"] != etag
    assert len(resp.json()["keys"]) == 3


@pytest.mark.parametrize(
    "origin", ["https://spa.example.test", None], ids=["with_origin_case", "no_origin_case"]
)
def test_jwks_is_open_to_any_origin(client, tenant, origin):
    # when
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    resp = client.get("/acme/.well-known/jwks.json", **headers)
    # then
    assert resp["Access-Control-Allow-Origin"] == "*"


def test_tenants_publish_only_their_own_keys(tenant, other_tenant, jwks):
    # when
    acme, other = _kids(jwks("acme")), _kids(jwks("other"))
    # then
    assert acme == _published_kids(tenant)
    assert other == _published_kids(other_tenant)
    assert not acme & other


def test_unknown_tenant_jwks_is_404(client, db):
    # when
    resp = client.get("/nosuch/.well-known/jwks.json")
    # then
    assert resp.status_code == 404


# Resource servers across a rotation (SPEC 4).


def test_token_issued_before_rotation_still_verifies_and_new_tokens_use_the_new_key(
    tenant, rs256_api, cc_body, issue, verify
):
    # given
    old_token = issue(cc_body(audience=rs256_api.identifier))["access_token"]
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    # when
    rotation = next(r for r in signing_keys_rotate(tenant=tenant) if r.alg == "RS256")
    new_token = issue(cc_body(audience=rs256_api.identifier))["access_token"]
    # then
    assert old_kid == rotation.previous_kid
    assert verify(old_token, audience=rs256_api.identifier)["aud"] == rs256_api.identifier
    assert jwt.get_unverified_header(new_token)["kid"] == rotation.current_kid
    assert verify(new_token, audience=rs256_api.identifier)["aud"] == rs256_api.identifier


def test_token_of_a_revoked_key_stops_verifying(tenant, rs256_api, cc_body, issue, jwks):
    # given
    token = issue(cc_body(audience=rs256_api.identifier))["access_token"]
    rotation = next(r for r in signing_keys_rotate(tenant=tenant) if r.alg == "RS256")
    # when
    signing_key_revoke(tenant=tenant, kid=rotation.previous_kid)
    # then
    with pytest.raises(jwt.PyJWKClientError):
        ResponseJWKClient(jwks()).get_signing_key_from_jwt(token)


def test_userinfo_follows_rotation_and_revocation(tenant, rs256_api, password_body, issue, userinfo):
    # given
    token = issue(password_body(audience=rs256_api.identifier, scope="openid"))["access_token"]
    # when
    rotation = next(r for r in signing_keys_rotate(tenant=tenant) if r.alg == "RS256")
    after_rotation = userinfo(token)
    signing_key_revoke(tenant=tenant, kid=rotation.previous_kid)
    after_revocation = userinfo(token)
    # then
    assert after_rotation.status_code == 200
    assert after_revocation.status_code == 401


def test_real_pyjwkclient_over_http_verifies_a_token(live_server, tenant, rs256_api, cc_body, issue):
    # given
    token = issue(cc_body(audience=rs256_api.identifier))["access_token"]
    jwks_client = jwt.PyJWKClient(f"{live_server.url}/acme/.well-known/jwks.json")
    # when
    key = jwks_client.get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token, key.key, algorithms=["RS256"], audience=rs256_api.identifier, issuer=issuer_of("acme")
    )
    # then
    assert claims["sub"].endswith("@clients")
    assert key.key_id == jwt.get_unverified_header(token)["kid"]
