"""HEAD responses without a body (RFC 9110 section 9.3.2), whatever the WSGI server.

Django answers HEAD as GET and leaves removing the body to the server: runserver and the test client
do, gunicorn does not. Bytes after the headers of a HEAD response are read by a keep-alive client or
proxy as the start of the next response, which desynchronises the connection (and lets a crafted body
pose as a response to someone else's request behind a shared proxy).
"""


class HeadResponseMiddleware:
    """Drops the body of every HEAD response, keeping the Content-Length the GET response would have.

    Listed first in MIDDLEWARE, so that it sees the response as finally built. A streaming response
    loses its iterator unread; the original is still closed with the response.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method != "HEAD":
            return response
        if response.streaming:
            response.streaming_content = []
        else:
            if not response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response
