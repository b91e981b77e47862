from django.urls import path

from clients.api import views

urlpatterns = [
    path("clients", views.ClientListApi.as_view(), name="clients"),
    path("clients/<str:client_id>", views.ClientDetailApi.as_view(), name="client"),
    path(
        "clients/<str:client_id>/rotate-secret",
        views.ClientRotateSecretApi.as_view(),
        name="client-rotate-secret",
    ),
    path("client-grants", views.ClientGrantListApi.as_view(), name="client-grants"),
    path("client-grants/<str:id>", views.ClientGrantDetailApi.as_view(), name="client-grant"),
]
