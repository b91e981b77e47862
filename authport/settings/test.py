"""Test settings: the base settings with fixed secrets and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault(
    "AUTHPORT_KEY_ENCRYPTION_KEYS",
    "dGVzdC1rZXktZW5jcnlwdGlvbi1rZXktMDAwMDAwMDA=,b2xkLXRlc3Qta2V5LWVuY3J5cHRpb24ta2V5LTAwMDA=",
)

from .base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_AUTOREFRESH = True  # no collectstatic in tests
LOCAL_HOSTS = [*LOCAL_HOSTS, "testserver"]  # noqa: F405 - the test client's host serves tenants by path
LOG_EVENTS_SYNC = True  # each test sees its events at once, inside its own transaction
