"""One catch-all view answering a GET, as Django's hello world does: no database, no templates."""

from django.http import HttpRequest, JsonResponse
from django.urls import re_path


def hello(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"hello": "world", "path": request.path})


urlpatterns = [re_path(r"", hello)]
