"""Encryption at rest for private keys and HS256 secrets (SPEC section 4).

Fernet keys come from AUTHPORT_KEY_ENCRYPTION_KEYS, newest first: new values are
encrypted with the first key, and any listed key decrypts, so the key itself can be
rotated (`reencrypt_secrets`) without downtime.
"""

import functools
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac


class UndecryptableSecret(ImproperlyConfigured):
    """A stored value that no key in AUTHPORT_KEY_ENCRYPTION_KEYS decrypts."""


_UNDECRYPTABLE = (
    "A stored secret cannot be decrypted with any key in AUTHPORT_KEY_ENCRYPTION_KEYS; "
    "was a key removed before `manage.py reencrypt_secrets` ran?"
)


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "AUTHPORT_KEY_ENCRYPTION_KEYS must be comma-separated Fernet keys "
            "(generate one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')"
        ) from exc


def _current_fernet() -> MultiFernet:
    return _fernet(tuple(settings.AUTHPORT_KEY_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _current_fernet().encrypt(plaintext.encode()).decode()


@functools.lru_cache(maxsize=1024)
def _decrypt_cached(keys: tuple[str, ...], ciphertext: str) -> str:
    return _fernet(keys).decrypt(ciphertext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """Decrypt; cached per ciphertext (immutable input, so the cache is never stale)."""
    try:
        return _decrypt_cached(tuple(settings.AUTHPORT_KEY_ENCRYPTION_KEYS), ciphertext)
    except InvalidToken as exc:
        raise UndecryptableSecret(_UNDECRYPTABLE) from exc


def reencrypt(ciphertext: str) -> str:
    """The same plaintext under the newest key (the first of AUTHPORT_KEY_ENCRYPTION_KEYS)."""
    try:
        return _current_fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise UndecryptableSecret(_UNDECRYPTABLE) from exc


def generate_secret(nbytes: int = 32) -> str:
    """A random URL-safe secret; 32 bytes = 256 bits."""
    return secrets.token_urlsafe(nbytes)


def keyed_hash(value: str, *, purpose: str, secret: str | None = None) -> str:
    """A fast keyed hash for high-entropy secrets (client secrets, opaque tokens).

    These values are random, so a slow password hash buys nothing and would cost
    hundreds of milliseconds on the token endpoint.
    """
    return salted_hmac(f"authport.{purpose}", value, secret=secret, algorithm="sha256").hexdigest()


def keyed_hash_matches(value: str, stored: str, *, purpose: str) -> bool:
    """Constant-time check against the current SECRET_KEY and its fallbacks."""
    for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        if hmac.compare_digest(keyed_hash(value, purpose=purpose, secret=key), stored):
            return True
    return False


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
