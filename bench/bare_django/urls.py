"""One catch-all view, like the capture view's route, answering without a database."""

from django.http import HttpRequest, JsonResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def accept(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"received": len(request.body)})


urlpatterns = [re_path(r"", accept)]
