from django.urls import path

from tokens import discovery, views

urlpatterns = [
    path("<slug:tenant_slug>/oauth/token", views.token, name="token"),
    path("<slug:tenant_slug>/userinfo", views.userinfo, name="userinfo"),
    path("<slug:tenant_slug>/.well-known/jwks.json", discovery.jwks, name="jwks"),
    path(
        "<slug:tenant_slug>/.well-known/openid-configuration",
        discovery.openid_configuration,
        name="openid-configuration",
    ),
    path("<slug:tenant_slug>/.well-known/oauth-authorization-server", discovery.openid_configuration),
    path(".well-known/oauth-authorization-server/<slug:tenant_slug>", discovery.openid_configuration),
    path(".well-known/oauth-authorization-server/<slug:tenant_slug>/", discovery.openid_configuration),
]
