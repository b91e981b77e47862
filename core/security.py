"""Django's SecurityMiddleware, with its response headers worked out once per process.

Django's middleware reads its settings once but rebuilds each header on every response (the
Referrer-Policy is split and joined again, each header is looked up and set through `setdefault`):
measured 45,000 instructions a token request, 3% of it. The headers depend only on the settings, so
they are computed in `__init__`; what is answered, and when, is Django's (process_request, the HSTS
condition), and tests/test_security_headers.py compares both on the same responses.
"""

from django.middleware.security import SecurityMiddleware as DjangoSecurityMiddleware


class SecurityMiddleware(DjangoSecurityMiddleware):
    def __init__(self, get_response):
        super().__init__(get_response)
        headers = []
        if self.content_type_nosniff:
            headers.append(("X-Content-Type-Options", "nosniff"))
        if self.referrer_policy:
            policy = self.referrer_policy
            parts = policy.split(",") if isinstance(policy, str) else policy
            headers.append(("Referrer-Policy", ",".join(v.strip() for v in parts)))
        if self.cross_origin_opener_policy:
            headers.append(("Cross-Origin-Opener-Policy", self.cross_origin_opener_policy))
        self._headers = tuple(headers)
        sts = None
        if self.sts_seconds:
            sts = f"max-age={self.sts_seconds}"
            if self.sts_include_subdomains:
                sts += "; includeSubDomains"
            if self.sts_preload:
                sts += "; preload"
        self._sts_header = sts

    def __call__(self, request):
        response = self.process_request(request) if self.redirect else None
        if response is None:
            response = self.get_response(request)
        return self.process_response(request, response)

    def process_response(self, request, response):
        headers = response.headers
        if self._sts_header and request.is_secure() and "Strict-Transport-Security" not in headers:
            headers["Strict-Transport-Security"] = self._sts_header
        for name, value in self._headers:
            if name not in headers:
                headers[name] = value
        return response
