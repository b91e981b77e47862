"""core.http.client_ip: the address brute-force protection counts, with and without trusted proxies."""

import pytest
from django.test import RequestFactory

from core.http import client_ip


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),  # no trusted proxy: X-Forwarded-For is the client's own claim
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # what our one proxy saw, not the forged entry
        (2, "198.51.100.7, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.2"),  # fewer entries than proxies: fall back to the peer
    ],
)
def test_client_ip(settings, proxies, forwarded, expected):
    # given
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.2")
    # when / then
    assert client_ip(request) == expected
