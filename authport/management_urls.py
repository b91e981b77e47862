"""The Management API of every tenant, under `/{slug}/api/v2/` (SPEC section 5)."""

from django.urls import include, path

urlpatterns = [
    path("", include("apis.api.urls")),
    path("", include("clients.api.urls")),
    path("", include("tenants.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("tokens.api.urls")),
]
