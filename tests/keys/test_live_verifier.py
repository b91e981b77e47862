"""A resource server's view of rotation: PyJWT's PyJWKClient, JWKS cache on, against a live Authport.

Tokens come from the live token endpoint over HTTP and keys from the live JWKS, so nothing here
knows Authport's internals: this is what an API protected by Authport sees (SPEC section 4).
"""

import json
import types
import urllib.request

import jwt
import pytest

from tenants.services import signing_key_revoke, signing_keys_rotate
from tenants.verification import InvalidToken, jwt_verify
from tests.keys.conftest import kid_of, kids_in

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 6


class CountingJWKClient(jwt.PyJWKClient):
    """PyJWT's client, unchanged but for counting its fetches of the JWKS."""

    def __init__(self, uri: str, **kwargs):
        super().__init__(uri, **kwargs)
        self.fetches = 0

    def fetch_data(self):
        self.fetches += 1
        return super().fetch_data()


@pytest.fixture
def live(settings, live_server):
    settings.PUBLIC_URL = live_server.url  # issuers, hence `iss`, name the live server
    return live_server


@pytest.fixture
def jwks_url(live) -> str:
    return f"{live.url}/acme/.well-known/jwks.json"


@pytest.fixture
def fetch_token(live, m2m_app, rs256_api):
    def fetch() -> str:
        body = json.dumps(
            {"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds}
        )
        request = urllib.request.Request(
            f"{live.url}/acme/oauth/token", data=body.encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the live test server
            return json.load(response)["access_token"]

    return fetch


@pytest.fixture
def verify(live, rs256_api):
    """What the resource server does: key by kid from its JWKS client, then a strict decode."""

    def check(verifier: jwt.PyJWKClient, token: str) -> dict:
        key = verifier.get_signing_key_from_jwt(token)
        return jwt.decode(
            token, key.key, algorithms=["RS256"], audience=rs256_api.identifier, issuer=f"{live.url}/acme/"
        )

    return check


def test_a_caching_verifier_accepts_every_fresh_token_while_keys_rotate(
    tenant, jwks_url, fetch_token, verify
):
    # given: a long-lived verifier that caches the JWKS and refetches it on an unknown kid
    verifier = CountingJWKClient(jwks_url, cache_jwk_set=True, lifespan=300, cooldown_duration=0)
    failures, kids = 0, []

    # when: rotations happen between requests
    for _ in range(ROUNDS):
        token = fetch_token()
        kids.append(jwt.get_unverified_header(token)["kid"])
        try:
            verify(verifier, token)
        except (jwt.PyJWKClientError, jwt.InvalidTokenError):
            failures += 1
        signing_keys_rotate(tenant=tenant)

    # then: no token failed, each was signed by a new key, and the verifier refetched only every
    # second round: each fetch also brought the next key, which signed the round after it
    assert failures == 0
    assert len(set(kids)) == ROUNDS
    assert kids == kids_in(tenant, "previous")
    assert verifier.fetches == ROUNDS // 2


def test_a_jwks_cached_before_the_rotation_already_holds_the_new_current_key(
    tenant, jwks_url, fetch_token, verify
):
    # given: a verifier that fetched the JWKS before the rotation, and with PyJWT's default cooldown
    # could not refetch it on an unknown kid for 30 seconds
    verifier = CountingJWKClient(jwks_url)
    cached = [key.key_id for key in verifier.get_jwk_set().keys]
    next_kid = kid_of(tenant, "RS256", "next")

    # when
    signing_keys_rotate(tenant=tenant)
    token = fetch_token()

    # then
    assert jwt.get_unverified_header(token)["kid"] == next_kid
    assert next_kid in cached
    assert verify(verifier, token)["sub"].endswith("@clients")
    assert verifier.fetches == 1


def test_rotating_twice_within_the_cache_lifetime_strands_such_a_verifier(
    tenant, jwks_url, fetch_token, verify
):
    # given: why the procedure waits a cache lifetime between rotations
    verifier = CountingJWKClient(jwks_url)
    verifier.get_jwk_set()

    # when
    signing_keys_rotate(tenant=tenant)
    signing_keys_rotate(tenant=tenant)
    token = fetch_token()

    # then: the signer was generated after the verifier's fetch, and its cooldown forbids a refetch
    kid = jwt.get_unverified_header(token)["kid"]
    with pytest.raises(jwt.PyJWKClientError) as exc:
        verify(verifier, token)
    assert str(exc.value) == f'Unable to find a signing key that matches: "{kid}"'
    assert verifier.fetches == 1


def test_tokens_of_a_revoked_key_stop_verifying_once_the_verifier_refreshes(
    monkeypatch, tenant, rs256_api, jwks_url, fetch_token, verify
):
    # given: a token signed with the current key, which a rotation makes previous
    old_kid = kid_of(tenant, "RS256", "current")
    token = fetch_token()
    signing_keys_rotate(tenant=tenant)
    cached_before_revocation = CountingJWKClient(jwks_url)
    assert verify(cached_before_revocation, token)["aud"] == rs256_api.identifier  # previous keys verify

    # when
    signing_key_revoke(tenant=tenant, kid=old_kid)

    # then: Authport's own verification refuses at once, and a verifier with a fresh JWKS too
    with pytest.raises(InvalidToken):
        jwt_verify(tenant=tenant, token=token, audience=rs256_api.identifier)
    with pytest.raises(jwt.PyJWKClientError) as fresh:
        verify(CountingJWKClient(jwks_url), token)
    assert str(fresh.value) == f'Unable to find a signing key that matches: "{old_kid}"'

    # then: a verifier still serving the JWKS it cached before the revocation accepts the token...
    assert verify(cached_before_revocation, token)["aud"] == rs256_api.identifier
    assert cached_before_revocation.fetches == 1

    # ... until its cache expires (five minutes later, as the JWKS's max-age says)
    real = jwt.jwk_set_cache.time.monotonic
    monkeypatch.setattr(jwt.jwk_set_cache, "time", types.SimpleNamespace(monotonic=lambda: real() + 301))
    with pytest.raises(jwt.PyJWKClientError) as expired:
        verify(cached_before_revocation, token)
    assert str(expired.value) == f'Unable to find a signing key that matches: "{old_kid}"'
    assert cached_before_revocation.fetches == 2


def test_the_jwks_tells_verifiers_to_cache_it_for_five_minutes(live, tenant):
    # when
    with urllib.request.urlopen(f"{live.url}/acme/.well-known/jwks.json", timeout=30) as response:  # noqa: S310
        cache_control, body = response.headers["Cache-Control"], json.load(response)

    # then
    assert cache_control == "public, max-age=300"
    assert [key["kid"] for key in body["keys"]] == [
        kid_of(tenant, "RS256", "current"),
        kid_of(tenant, "RS256", "next"),
    ]
