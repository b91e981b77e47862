from django.urls import path

from core.sessionless import sessionless
from tokens import discovery, views
from tokens.browser import views as browser_views

urlpatterns = [
    path("<slug:tenant_slug>/oauth/token", sessionless(views.token), name="token"),
    path("<slug:tenant_slug>/userinfo", sessionless(views.userinfo), name="userinfo"),
    path("<slug:tenant_slug>/oauth/revoke", sessionless(views.revoke), name="revoke"),
    path("<slug:tenant_slug>/authorize", browser_views.authorize, name="authorize"),
    path("<slug:tenant_slug>/login", browser_views.login, name="login"),
    path("<slug:tenant_slug>/v2/logout", browser_views.logout, name="logout"),
    path("<slug:tenant_slug>/.well-known/jwks.json", sessionless(discovery.jwks), name="jwks"),
    path(
        "<slug:tenant_slug>/.well-known/openid-configuration",
        sessionless(discovery.openid_configuration),
        name="openid-configuration",
    ),
    path(
        "<slug:tenant_slug>/.well-known/oauth-authorization-server",
        sessionless(discovery.openid_configuration),
    ),
    path(
        ".well-known/oauth-authorization-server/<slug:tenant_slug>",
        sessionless(discovery.openid_configuration),
    ),
    path(
        ".well-known/oauth-authorization-server/<slug:tenant_slug>/",
        sessionless(discovery.openid_configuration),
    ),
]
