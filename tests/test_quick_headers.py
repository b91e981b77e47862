"""core.quick_headers: every response keeps its headers in QuickResponseHeaders, which answers every
operation as Django's ResponseHeaders does (same stored names and values, same errors)."""

import pytest
from django.http import HttpResponse, JsonResponse
from django.http.response import BadHeaderError
from hypothesis import given
from hypothesis import strategies as st

from core.quick_headers import QuickResponseHeaders, ResponseHeaders

header_text = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=12
) | st.sampled_from(
    ["Content-Type", "X-Frame-Options", "x-frame-options", "Pragma", "é", "a\nb", "a\rb", "😀"]
)
header_values = header_text | st.binary(max_size=8) | st.integers() | st.sampled_from([b"a\nb", "ok\r"])


def _outcome(do):
    try:
        return ("ok", do())
    except (BadHeaderError, UnicodeError, AttributeError) as exc:
        return (type(exc).__name__, str(exc))


def _apply(headers, operation: str, name, value):
    if operation == "set":
        return _outcome(lambda: headers.__setitem__(name, value))
    if operation == "setdefault":
        return _outcome(lambda: headers.setdefault(name, value))
    if operation == "in":
        return _outcome(lambda: name in headers)
    return _outcome(lambda: headers.pop(name))


def _stored(headers) -> list:
    return list(headers.items())


@given(st.lists(st.tuples(st.sampled_from(["set", "setdefault", "in", "pop"]), header_text, header_values)))
def test_every_operation_answers_as_djangos_headers_do(operations):
    # given
    django_headers, quick_headers = ResponseHeaders({}), QuickResponseHeaders({})
    for operation, name, value in operations:
        # when
        outcomes = [_apply(headers, operation, name, value) for headers in (django_headers, quick_headers)]
        # then
        assert outcomes[0] == outcomes[1]
        assert _stored(django_headers) == _stored(quick_headers)
    assert dict(django_headers) == dict(quick_headers)
    assert len(django_headers.items()) == len(quick_headers.items())


def test_every_response_keeps_its_headers_in_the_quick_class():
    for response in (HttpResponse(b"x"), JsonResponse({"a": 1}), HttpResponse(headers={"X-A": "1"})):
        assert type(response.headers) is QuickResponseHeaders


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: x=1", "ok\n", b"x\ny"])
def test_a_newline_in_a_value_is_still_refused(value):
    with pytest.raises(BadHeaderError):
        HttpResponse()["X-Injected"] = value


def test_a_value_outside_latin_1_is_still_mime_encoded():
    # given
    response = HttpResponse()
    # when
    response["X-Name"] = "😀"
    # then: Django's own encoding, as an HTTP header can carry it
    assert response["X-Name"] == "=?utf-8?b?8J+YgA==?="


def test_the_token_endpoint_answers_its_security_headers(client, tenant, m2m_app, rs256_api):
    # given
    body = {"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds}
    # when
    resp = client.post("/acme/oauth/token", body, content_type="application/json")
    # then: each once, in the WSGI headers as sent
    assert resp.status_code == 200
    names = [name.lower() for name, _ in resp.items()]
    assert len(names) == len(set(names))
    assert {"cache-control", "pragma", "x-content-type-options", "x-frame-options", "referrer-policy"} <= set(
        names
    )
