"""core.strict_json reads a body as json.loads does (same values, same encodings), and refuses what
json.loads would let through: repeated keys, NaN and Infinity, nesting past a limit, stray BOMs."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.strict_json import DuplicateKeyError, JSONBodyError, TooDeepError, strict_json_loads

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@given(json_values, st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-32", "utf-8-sig"]))
def test_a_body_reads_as_json_loads_reads_it(value, encoding):
    # given
    body = json.dumps(value, ensure_ascii=False).encode(encoding, "surrogatepass")
    # when / then
    assert strict_json_loads(body) == json.loads(body)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"a": 1, "a": 2}', DuplicateKeyError),
        (b'{"x": NaN}', JSONBodyError),
        (b"[Infinity]", JSONBodyError),
        (b"{", JSONBodyError),
        (b"\xff\xfe\xfd", JSONBodyError),
        ("\ufeff{}", JSONBodyError),
        (b"[" * 100_000, TooDeepError),
    ],
)
def test_what_json_loads_would_let_through_or_crash_on_is_refused(body, error):
    with pytest.raises(error):
        strict_json_loads(body)


def test_nesting_past_the_limit_is_refused_and_at_the_limit_read():
    assert strict_json_loads(b"[[1]]", max_depth=2) == [[1]]
    with pytest.raises(TooDeepError):
        strict_json_loads(b"[[[1]]]", max_depth=2)
