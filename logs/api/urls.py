from django.urls import path

from logs.api.views import LogDetailApi, LogListApi

urlpatterns = [
    path("logs", LogListApi.as_view(), name="logs"),
    path("logs/<str:id>", LogDetailApi.as_view(), name="log"),
]
