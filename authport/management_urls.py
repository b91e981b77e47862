"""The Management API of every tenant, under `/{slug}/api/v2/` (SPEC section 5)."""

from django.urls import include, path, re_path

from management_api.views import UnknownPathApi

urlpatterns = [
    path("", include("apis.api.urls")),
    path("", include("clients.api.urls")),
    path("", include("tenants.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("tokens.api.urls")),
    path("", include("logs.api.urls")),
    re_path(r"^[\s\S]*$", UnknownPathApi.as_view()),  # last: Auth0's JSON 404, not Django's HTML one
]
