"""tokens.issuing.keyring.jwt_signed writes the claims as compact JSON that PyJWT verifies, whatever
the values: non-ASCII text, and integers past 64 bits (which orjson cannot write)."""

import base64
import json

import jwt
import pytest

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
