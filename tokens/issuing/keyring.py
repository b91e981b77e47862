"""Loaded signing keys, cached per process by kid.

A kid is the RFC 7638 thumbprint of its key, so a cached key object can never be stale;
which kid is current is read from the database with each request (folded into the API
query), so a rotation takes effect in every worker at once. No PEM parsing per request.
"""

import json
import threading
from functools import lru_cache

from jwt import PyJWS
from jwt.algorithms import HMACAlgorithm
from jwt.utils import base64url_encode

from core.compact_json import compact_json
from tenants.keys import load_private_key
from tenants.models import SigningKey

_lock = threading.Lock()
_private_keys: dict[str, object] = {}


def private_key(*, tenant_id: int, kid: str):
    key = _private_keys.get(kid)
    if key is None:
        row = SigningKey.objects.only("kid", "private_key_encrypted").get(tenant_id=tenant_id, kid=kid)
        key = load_private_key(row.kid, row.private_key_encrypted)
        with _lock:
            _private_keys[kid] = key
    return key


def current_signer(*, tenant_id: int, alg: str, kid: str | None = None) -> tuple[str, object]:
    """(kid, private key) of the tenant's current key for `alg`; `kid` when the caller already knows it."""
    if kid is None:
        kid = (
            SigningKey.objects.filter(tenant_id=tenant_id, alg=alg, state=SigningKey.State.CURRENT)
            .values_list("kid", flat=True)
            .first()
        )
        if kid is None:
            raise LookupError(f"tenant {tenant_id} has no current {alg} signing key")
    return kid, private_key(tenant_id=tenant_id, kid=kid)


class _CheckedHMACSecret(bytes):
    """An HS256 secret that PyJWT's HMAC key checks have passed, once, when it was cached."""


class _HMACOfCheckedSecrets(HMACAlgorithm):
    # PyJWT checks an HMAC key on every signature (that it is no PEM, SSH or DER key, nor JSON),
    # by trying to parse it: measured 12-16 µs, half the rest of an HS256 signature.
    def prepare_key(self, key):
        return key if type(key) is _CheckedHMACSecret else super().prepare_key(key)


_JWS = PyJWS()
_JWS.unregister_algorithm("HS256")
_JWS.register_algorithm("HS256", _HMACOfCheckedSecrets(HMACAlgorithm.SHA256))


@lru_cache(maxsize=4096)
def hmac_secret(secret: str) -> _CheckedHMACSecret:
    """The API's HS256 secret, checked by PyJWT once per process (the secret is the cache key)."""
    return _CheckedHMACSecret(HMACAlgorithm(HMACAlgorithm.SHA256).prepare_key(secret))


@lru_cache(maxsize=1024)
def _header_segment(alg: str, header_items: tuple) -> bytes:
    """The JWS header's base64url segment, as PyJWS.encode writes it (its default `typ`, the given
    headers, sorted keys, compact separators). It depends only on the alg, typ and kid, so it is
    written once for each: PyJWS built a new JSON encoder for it in every token."""
    header = {"typ": _JWS.header_typ, "alg": alg, **dict(header_items)}
    if not header["typ"]:
        del header["typ"]
    return base64url_encode(json.dumps(header, separators=(",", ":"), sort_keys=True).encode())


def jwt_signed(claims: dict, key, *, alg: str, headers: dict) -> str:
    """A compact JWS of the claims, as `jwt.encode` writes it, signed by PyJWT's own algorithm
    objects: the header segment kept per (alg, typ, kid), the claims written by core.compact_json.
    Keys are the cached, already-loaded ones (private_key, hmac_secret): made at their full size, so
    PyJWS's per-token key-length warning has nothing to say about them."""
    algorithm = _JWS.get_algorithm_by_name(alg)
    signing_input = (
        _header_segment(alg, tuple(headers.items())) + b"." + base64url_encode(compact_json(claims))
    )
    signature = algorithm.sign(signing_input, algorithm.prepare_key(key))
    return (signing_input + b"." + base64url_encode(signature)).decode()
