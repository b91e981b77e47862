"""The security suite attacks the OAuth endpoints and the Management API alike, with the same fixtures."""

from tests.management.conftest import _fresh_cache, api_token, mgmt  # noqa: F401
