from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.admin_login import AdminLoginForm
from core.health import healthz, readyz

admin.site.login_form = AdminLoginForm  # brute-force protection, as for end users
# Uncaught errors in the protocol's own shape; a database that is down is a 503 (core/unavailable.py).
handler500 = "core.unavailable.server_error"
handler404 = "core.unavailable.not_found"  # JSON: the paths here are APIs (the admin keeps its page)

SCHEMA_SETTINGS = {
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",  # drf-spectacular's default
        "management_api.openapi.creation_links",
    ]
}

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    # The Management API's OpenAPI schema and docs, outside every tenant ("api" is a reserved slug).
    # With the links a creation answer offers (management_api.openapi), which tools that chain calls follow.
    path("api/schema/", SpectacularAPIView.as_view(custom_settings=SCHEMA_SETTINGS), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("<slug:tenant_slug>/api/v2/", include("authport.management_urls")),
    path("", include("tokens.urls")),
]
