"""A URL configuration whose token path is another sessionless view (tests/test_sessionless.py)."""

from django.http import JsonResponse
from django.urls import path

from core.sessionless import sessionless


@sessionless
def other_token(request, tenant_slug):
    return JsonResponse({"served_by": "tests.urlconfs.other_token", "tenant": tenant_slug})


urlpatterns = [path("<slug:tenant_slug>/oauth/token", other_token)]
