"""core.security.SecurityMiddleware answers exactly as Django's, whose headers it only computes once.

Each case runs both middlewares over the same request and the same view's response, under the
same settings, and compares every header and the status (a redirect included)."""

import pytest
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware as DjangoSecurityMiddleware
from django.test import RequestFactory, override_settings

from core.security import SecurityMiddleware

SETTINGS = [
    {},
    {"SECURE_HSTS_SECONDS": 3600},
    {"SECURE_HSTS_SECONDS": 3600, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": True},
    {"SECURE_CONTENT_TYPE_NOSNIFF": False},
    {"SECURE_REFERRER_POLICY": " no-referrer ,  strict-origin"},
    {"SECURE_REFERRER_POLICY": ("no-referrer", "origin")},
    {"SECURE_REFERRER_POLICY": None, "SECURE_CROSS_ORIGIN_OPENER_POLICY": None},
    {"SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin-allow-popups"},
    {"SECURE_SSL_REDIRECT": True},
    {"SECURE_SSL_REDIRECT": True, "SECURE_SSL_HOST": "secure.example.test"},
    {"SECURE_SSL_REDIRECT": True, "SECURE_REDIRECT_EXEMPT": [r"^healthz$"]},
]


def _view_setting(headers: dict):
    def view(request):
        response = HttpResponse("ok")
        for name, value in headers.items():
            response[name] = value
        return response

    return view


def _answer(middleware_class, request, view):
    response = middleware_class(view)(request)
    return response.status_code, sorted((name.lower(), value) for name, value in response.items())


@pytest.mark.parametrize("overrides", SETTINGS)
@pytest.mark.parametrize("secure", [False, True])
@pytest.mark.parametrize("path", ["/acme/oauth/token", "/healthz"])
@pytest.mark.parametrize(
    "preset",
    [
        {},
        {
            "Referrer-Policy": "origin",
            "X-Content-Type-Options": "nosniff",
            "Strict-Transport-Security": "max-age=1",
        },
    ],
)
def test_the_same_headers_and_status_as_djangos_middleware(overrides, secure, path, preset):
    # given
    with override_settings(**overrides):
        request = RequestFactory().get(path, secure=secure)
        view = _view_setting(preset)
        # when
        ours = _answer(SecurityMiddleware, request, view)
        djangos = _answer(DjangoSecurityMiddleware, request, view)
    # then
    assert ours == djangos


def test_a_protocol_response_carries_the_security_headers(client, tenant):
    # when
    resp = client.get("/acme/.well-known/openid-configuration")
    # then
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Referrer-Policy"] == "same-origin"
    assert resp["Cross-Origin-Opener-Policy"] == "same-origin"
