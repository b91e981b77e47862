from django.urls import path

from tokens.api.views import TokenExplanationApi

urlpatterns = [
    path("token-explanations", TokenExplanationApi.as_view(), name="token-explanations"),
]
