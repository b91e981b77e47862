from django.urls import path

from tenants.api import views

urlpatterns = [
    path("tenants/settings", views.TenantSettingsApi.as_view(), name="tenant-settings"),
    path("keys/signing", views.SigningKeyListApi.as_view(), name="signing-keys"),
    path("keys/signing/rotate", views.SigningKeyRotateApi.as_view(), name="signing-keys-rotate"),
    path("keys/signing/<str:kid>", views.SigningKeyDetailApi.as_view(), name="signing-key"),
    path("keys/signing/<str:kid>/revoke", views.SigningKeyRevokeApi.as_view(), name="signing-key-revoke"),
    path("custom-domains", views.CustomDomainListApi.as_view(), name="custom-domains"),
    path(
        "custom-domains/<str:custom_domain_id>", views.CustomDomainDetailApi.as_view(), name="custom-domain"
    ),
    path(
        "custom-domains/<str:custom_domain_id>/verify",
        views.CustomDomainVerifyApi.as_view(),
        name="custom-domain-verify",
    ),
]
