"""core.compact_json: the same values json.loads reads back, compact, whatever orjson can write."""

import json

import pytest

from core.compact_json import compact_json


@pytest.mark.parametrize(
    "value",
    [
        {"access_token": "eyJ.x.y", "token_type": "Bearer", "expires_in": 86400, "scope": "read:items"},
        {"name": "Zoë 日本", "nested": [1, 2.5, None, True, {"k": "v"}]},
        {"big": 2**70},  # past orjson's 64 bits
        {"odd": "x\ud800y"},  # a lone surrogate, which orjson refuses
    ],
)
def test_reads_back_as_written_and_compact(value):
    # when
    written = compact_json(value)
    # then
    assert json.loads(written) == value
    assert b", " not in written
    assert b": " not in written
