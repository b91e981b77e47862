"""HEAD through the real WSGI server: gunicorn sends whatever body Django returns, so Django must send none.

A HEAD body left on a keep-alive connection is read as the start of the next response: the client
(or a proxy sharing the connection between users) gets garbage or someone else's bytes.
"""

import http.client
import json

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from core.head import HeadResponseMiddleware
from tests.live import gunicorn as live_gunicorn

DISCOVERY = "/acme/.well-known/openid-configuration"


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """A gunicorn serving the test settings on a fresh SQLite file with tenant `acme`: its port."""
    with live_gunicorn(
        tmp_path_factory.mktemp("gunicorn"),
        *("--workers", "1", "--threads", "2", "--keep-alive", "30", "--log-level", "warning"),
        setup=(("create_tenant", "acme"),),
    ) as (port, _env, _outputs):
        yield port


def test_head_then_get_on_one_keep_alive_connection(gunicorn):
    # given: one persistent connection, as a browser, SDK or reverse proxy keeps one
    conn = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=10)
    try:
        # when
        conn.request("HEAD", DISCOVERY)
        head = conn.getresponse()
        head_body = head.read()
        conn.request("GET", DISCOVERY)
        get = conn.getresponse()  # today: BadStatusLine, the HEAD's body is read as this status line
        get_body = get.read()
    finally:
        conn.close()
    # then: HEAD has GET's headers and no body; the GET after it is intact
    assert head.status == 200
    assert head_body == b""
    assert head.getheader("Content-Type") == "application/json"
    assert head.getheader("Connection") != "close"
    assert get.status == 200
    assert json.loads(get_body)["issuer"] == f"http://127.0.0.1:{gunicorn}/acme/"
    assert int(head.getheader("Content-Length")) == len(get_body)


def test_head_of_a_streaming_response_drops_the_iterator_and_closes_it(db):
    # given (`db`: closing a response sends request_finished, which closes database connections)
    closed = []

    class Chunks:
        def __iter__(self):
            yield b"secret"

        def close(self):
            closed.append(True)

    middleware = HeadResponseMiddleware(lambda request: StreamingHttpResponse(Chunks()))
    # when
    response = middleware(RequestFactory().head("/"))
    body = b"".join(response)
    response.close()
    # then
    assert body == b""
    assert closed == [True]


def test_head_keeps_the_content_length_of_get_and_get_is_untouched():
    # given
    middleware = HeadResponseMiddleware(lambda request: HttpResponse(b"0123456789"))
    # when
    head = middleware(RequestFactory().head("/"))
    get = middleware(RequestFactory().get("/"))
    # then
    assert (head.content, head["Content-Length"]) == (b"", "10")
    assert get.content == b"0123456789"
