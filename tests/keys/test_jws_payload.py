"""tokens.issuing.keyring.jwt_signed writes the claims as compact JSON that PyJWT verifies, whatever
the values: non-ASCII text, and integers past 64 bits (which orjson cannot write)."""

import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tokens.issuing.keyring import hmac_secret, jwt_signed

SECRET = "a-test-secret-that-is-long-enough-for-hs256-0123456789"


def _payload_bytes(token: str) -> bytes:
    part = token.split(".")[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "auth0|1", "name": "Zoë Ångström 日本", "iat": 1_700_000_000},
        {"sub": "auth0|2", "big": 2**70, "nested": {"list": [1, 2.5, None, True]}},
    ],
)
def test_claims_verify_with_pyjwt_and_are_compact_json(claims):
    # when
    token = jwt_signed(claims, hmac_secret(SECRET), alg="HS256", headers={"typ": "JWT"})
    # then
    assert jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_aud": False}) == claims
    raw = _payload_bytes(token)
    assert json.loads(raw) == claims
    assert b", " not in raw  # PyJWT's own separators
    assert b": " not in raw


def _pem_of(private_key) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


ASCII_CLAIMS = {"iss": "https://a.test/", "sub": "c@clients", "aud": ["x", "y"], "iat": 1, "scope": "r w"}


@pytest.mark.parametrize(
    "headers", [{"typ": "JWT"}, {"typ": "at+jwt", "kid": "k1"}, {"kid": "k2", "typ": "JWT"}]
)
def test_deterministic_signatures_are_byte_for_byte_pyjwts(headers):
    # given: RS256 (PKCS#1 v1.5) and HS256 sign deterministically
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # when / then
    assert jwt_signed(ASCII_CLAIMS, rsa_key, alg="RS256", headers=headers) == jwt.encode(
        ASCII_CLAIMS, _pem_of(rsa_key), algorithm="RS256", headers=headers
    )
    assert jwt_signed(ASCII_CLAIMS, hmac_secret(SECRET), alg="HS256", headers=headers) == jwt.encode(
        ASCII_CLAIMS, SECRET, algorithm="HS256", headers=headers
    )


def test_an_es256_token_verifies_and_names_its_kid():
    # given
    ec_key = ec.generate_private_key(ec.SECP256R1())
    # when
    token = jwt_signed(ASCII_CLAIMS, ec_key, alg="ES256", headers={"typ": "JWT", "kid": "e1"})
    # then
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": "e1", "typ": "JWT"}
    assert jwt.decode(token, ec_key.public_key(), algorithms=["ES256"], audience="x") == ASCII_CLAIMS


def test_a_key_of_another_algorithm_is_refused():
    # given: an RSA key handed to ES256 signing
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # when / then
    with pytest.raises((TypeError, ValueError, jwt.InvalidKeyError)):
        jwt_signed(ASCII_CLAIMS, rsa_key, alg="ES256", headers={"typ": "JWT", "kid": "x"})
