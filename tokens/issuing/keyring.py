"""Loaded signing keys, cached per process by kid.

A kid is the RFC 7638 thumbprint of its key, so a cached key object can never be stale;
which kid is current is read from the database with each request (folded into the API
query), so a rotation takes effect in every worker at once. No PEM parsing per request.
"""

import threading

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
