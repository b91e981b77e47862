"""Signing-key material: generation, RFC 7638 kids, certificates, and the per-process key cache."""

import base64
import datetime as dt
import functools
import hashlib
import json
import re
from dataclasses import dataclass

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from core import crypto

RSA_KEY_SIZE = 2048
# How long verifiers may cache the JWKS (its Cache-Control max-age), in seconds. The next key is
# published a whole rotation before it signs, so this only delays revocations at other verifiers.
JWKS_MAX_AGE = 300
CERT_VALIDITY = dt.timedelta(days=3650)  # Auth0's tenant certificates last ten years.
# Every kid is an RFC 7638 SHA-256 thumbprint: 43 base64url characters.
KID_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def is_kid(value: object) -> bool:
    """Whether `value` (say, a JWT header's kid) could name one of our keys; checked before any query,
    so a NUL, a lone surrogate or a megabyte never reaches the database."""
    return isinstance(value, str) and KID_PATTERN.fullmatch(value) is not None


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_b64url(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def public_jwk_members(public_key) -> dict:
    """The required public members of a JWK (RFC 7517/7518)."""
    if isinstance(public_key, rsa.RSAPublicKey):
        numbers = public_key.public_numbers()
        return {"kty": "RSA", "n": _int_b64url(numbers.n), "e": _int_b64url(numbers.e)}
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        numbers = public_key.public_numbers()
        size = (public_key.curve.key_size + 7) // 8
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(size, "big")),
            "y": b64url(numbers.y.to_bytes(size, "big")),
        }
    raise TypeError(f"unsupported key type {type(public_key).__name__}")


def jwk_thumbprint(members: dict) -> str:
    """RFC 7638: SHA-256 over the required members, sorted, without white space."""
    required = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y")}[members["kty"]]
    canonical = json.dumps({k: members[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


@dataclass(frozen=True)
class GeneratedKey:
    kid: str
    alg: str
    private_pem: str
    cert_pem: str
    public_jwk: dict


def generate_private_key(alg: str):
    """A fresh private key for `alg`: P-256 for ES256, RSA-2048 for RS256 and PS256."""
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)


def generate_signing_key(*, alg: str, common_name: str) -> GeneratedKey:
    """A new key pair with a self-signed certificate, as Auth0 publishes (x5c, x5t)."""
    private_key = generate_private_key(alg)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + CERT_VALIDITY)
        .sign(private_key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    members = public_jwk_members(private_key.public_key())
    kid = jwk_thumbprint(members)
    jwk = {
        **members,
        "kid": kid,
        "alg": alg,
        "use": "sig",
        "x5c": [base64.b64encode(der).decode()],
        "x5t": b64url(hashlib.sha1(der).digest()),  # noqa: S324 - x5t is defined as SHA-1 (RFC 7517)
    }
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return GeneratedKey(
        kid=kid,
        alg=alg,
        private_pem=private_pem,
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        public_jwk=jwk,
    )


def certificate_facts(cert_pem: str) -> dict:
    """Auth0's certificate fields of a signing key: pkcs7, fingerprint and thumbprint (SHA-1)."""
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    sha1 = cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - Auth0's fields are SHA-1
    return {
        "pkcs7": pkcs7.serialize_certificates([cert], serialization.Encoding.PEM).decode(),
        "fingerprint": ":".join(sha1[i : i + 2] for i in range(0, len(sha1), 2)),
        "thumbprint": sha1,
    }


def load_private_key(kid: str, private_key_encrypted: str):
    """Decrypt and parse a private key (tokens.issuing.keyring keeps the result per kid, once per process)."""
    return serialization.load_pem_private_key(crypto.decrypt(private_key_encrypted).encode(), password=None)


@functools.lru_cache(maxsize=1024)
def load_public_key(kid: str, jwk_json: str):
    """A verification key object from a stored JWK, parsed once per process."""
    return jwt.PyJWK.from_json(jwk_json).key
