from django.urls import path

from apis.api.views import ResourceServerDetailApi, ResourceServerListApi

urlpatterns = [
    path("resource-servers", ResourceServerListApi.as_view(), name="resource-servers"),
    # `path`: a URL-encoded identifier arrives decoded, slashes and all (https://api.example.com/).
    path("resource-servers/<path:id>", ResourceServerDetailApi.as_view(), name="resource-server"),
]
