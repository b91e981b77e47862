from django.urls import path

from tokens import discovery, views
from tokens.browser import views as browser_views

urlpatterns = [
    path("<slug:tenant_slug>/oauth/token", views.token, name="token"),
    path("<slug:tenant_slug>/userinfo", views.userinfo, name="userinfo"),
    path("<slug:tenant_slug>/oauth/revoke", views.revoke, name="revoke"),
    path("<slug:tenant_slug>/authorize", browser_views.authorize, name="authorize"),
    path("<slug:tenant_slug>/login", browser_views.login, name="login"),
    path("<slug:tenant_slug>/v2/logout", browser_views.logout, name="logout"),
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
