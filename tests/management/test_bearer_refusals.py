"""Bearer tokens the Management API refuses with a clean 401, whatever their header holds (SPEC 5)."""

import base64
import json

import pytest

from tests.management.conftest import assert_error


def _unsigned(header: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part({'sub': 'x'})}.c2ln"


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "RS256\r\nX-Injected: 1", "kid": "k"},
        {"alg": "\u20ac\\", "kid": "k"},
        {"alg": "RS256", "kid": "a\x00b"},
        {"alg": "RS256", "kid": "\ud800"},
        {"alg": "RS256", "kid": ["k"]},
    ],
    ids=[
        "newline_alg_case",
        "non_ascii_alg_case",
        "nul_kid_case",
        "lone_surrogate_kid_case",
        "list_kid_case",
    ],
)
def test_token_with_a_hostile_header_is_401_with_a_clean_challenge(client, tenant, header):
    # when
    response = client.get(
        f"/{tenant.slug}/api/v2/resource-servers", HTTP_AUTHORIZATION=f"Bearer {_unsigned(header)}"
    )
    # then
    assert assert_error(response, 401, "invalid_token")["message"].startswith("Invalid token. ")
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith(f'Bearer realm="{tenant.management_audience}", error="invalid_token"')
    assert all(0x20 <= ord(c) < 0x7F for c in challenge)
    assert "X-Injected" not in challenge
    assert "\\" not in challenge
