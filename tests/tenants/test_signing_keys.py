"""Signing keys: RFC 7638 kids, encryption at rest under AUTHPORT_KEY_ENCRYPTION_KEYS (SPEC 4)."""

import base64
import hashlib

import pytest
from cryptography import x509
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.exceptions import ImproperlyConfigured

from core import crypto
from tenants.keys import jwk_thumbprint, load_private_key
from tenants.models import SigningKey
from tests import factories

PEM_HEADER = "-----BEGIN PRIVATE KEY-----"


def _b64url_uint(value: int, length: int | None = None) -> str:
    raw = value.to_bytes(length or (value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _sha256_b64url(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()


def _private_key(key: SigningKey):
    return serialization.load_pem_private_key(
        crypto.decrypt(key.private_key_encrypted).encode(), password=None
    )


def test_thumbprint_matches_the_rfc_7638_example():
    # given: RFC 7638 section 3.1
    jwk = {
        "kty": "RSA",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXj"
            "BZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSq"
            "zs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHa"
            "Q-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        ),
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }

    # then
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_rsa_kid_is_the_rfc_7638_thumbprint_of_the_private_key(tenant):
    # given
    key = SigningKey.objects.for_tenant(tenant).get(alg="RS256", state="current")
    numbers = _private_key(key).public_key().public_numbers()

    # when: the thumbprint computed from the private key itself, not from the stored JWK
    n, e = _b64url_uint(numbers.n), _b64url_uint(numbers.e)
    expected = _sha256_b64url(f'{{"e":"{e}","kty":"RSA","n":"{n}"}}')

    # then
    assert key.kid == expected
    assert key.public_jwk["kid"] == expected
    assert (key.public_jwk["kty"], key.public_jwk["n"], key.public_jwk["e"]) == ("RSA", n, e)
    assert (key.public_jwk["alg"], key.public_jwk["use"]) == ("RS256", "sig")


def test_ec_kid_is_the_rfc_7638_thumbprint_of_the_private_key(tenant):
    # given
    factories.make_api(tenant, identifier="https://es.acme.test/", signing_alg="ES256")
    key = SigningKey.objects.for_tenant(tenant).get(alg="ES256", state="current")
    private = _private_key(key)
    numbers = private.public_key().public_numbers()

    # when
    x, y = _b64url_uint(numbers.x, 32), _b64url_uint(numbers.y, 32)
    expected = _sha256_b64url(f'{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}')

    # then
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    assert private.curve.name == "secp256r1"
    assert key.kid == expected
    assert (key.public_jwk["kty"], key.public_jwk["crv"], key.public_jwk["x"], key.public_jwk["y"]) == (
        "EC",
        "P-256",
        x,
        y,
    )


def test_private_key_is_encrypted_at_rest_with_the_first_key(tenant, settings):
    # given
    key = SigningKey.objects.for_tenant(tenant).get(alg="RS256", state="current")
    stored = SigningKey.objects.filter(pk=key.pk).values_list("private_key_encrypted", flat=True).get()
    first, second = settings.AUTHPORT_KEY_ENCRYPTION_KEYS

    # then
    assert PEM_HEADER not in stored
    assert Fernet(first.encode()).decrypt(stored.encode()).decode().startswith(PEM_HEADER)
    with pytest.raises(InvalidToken):
        Fernet(second.encode()).decrypt(stored.encode())
    assert isinstance(load_private_key(key.kid, stored), rsa.RSAPrivateKey)


def test_private_key_encrypted_under_an_older_key_still_decrypts(db, settings):
    # given: a tenant whose keys were encrypted when `old` was the only key
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.AUTHPORT_KEY_ENCRYPTION_KEYS = [old]
    tenant = factories.make_tenant("rotating")
    key = SigningKey.objects.for_tenant(tenant).get(alg="RS256", state="current")
    pem = crypto.decrypt(key.private_key_encrypted)

    # when: a newer key is put first; `old` is now the second
    settings.AUTHPORT_KEY_ENCRYPTION_KEYS = [new, old]

    # then
    assert crypto.decrypt(key.private_key_encrypted) == pem
    assert Fernet(new.encode()).decrypt(crypto.reencrypt(key.private_key_encrypted).encode()).decode() == pem


def test_private_key_does_not_decrypt_once_its_key_is_dropped(db, settings):
    # given
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.AUTHPORT_KEY_ENCRYPTION_KEYS = [old]
    tenant = factories.make_tenant("rotating")
    key = SigningKey.objects.for_tenant(tenant).get(alg="RS256", state="current")

    # when
    settings.AUTHPORT_KEY_ENCRYPTION_KEYS = [new]

    # then
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted with any key"):
        crypto.decrypt(key.private_key_encrypted)


def test_jwk_carries_a_self_signed_certificate_of_the_same_key(tenant):
    # given
    key = SigningKey.objects.for_tenant(tenant).get(alg="RS256", state="next")
    der = base64.b64decode(key.public_jwk["x5c"][0])

    # when
    cert = x509.load_der_x509_certificate(der)

    # then
    assert cert.issuer == cert.subject
    assert cert.public_key().public_numbers() == _private_key(key).public_key().public_numbers()
    assert key.public_jwk["x5t"] == base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode()  # noqa: S324
