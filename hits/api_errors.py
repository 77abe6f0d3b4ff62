"""The API answers errors as JSON, always: ``{"error": "<what went wrong>"}`` with the status.

Django's own answers (404 for an unmatched URL, 405 from the method decorators, 403 from the CSRF
check) are HTML or empty; under the API prefix these replace them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.views.csrf import csrf_failure as django_csrf_failure

View = Callable[..., HttpResponseBase]


def api_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def allow_methods(*methods: str) -> Callable[[View], View]:
    """Like require_http_methods, but the 405 is JSON and names the allowed methods."""
    allowed = sorted({*methods, "HEAD"} if "GET" in methods else set(methods))

    def decorator(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
            if request.method not in allowed:
                response = api_error(
                    f"method {request.method} not allowed here: use {', '.join(allowed)}", 405
                )
                response["Allow"] = ", ".join(allowed)
                return response
            return view(request, *args, **kwargs)

        return checked

    return decorator


def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any API URL that matches no endpoint (``/_/api/hits/abc``)."""
    return api_error(f"no API endpoint at {request.path} (see docs/api.md)", 404)


def is_api(request: HttpRequest) -> bool:
    """The request resolved to one of the API's views (all are named ``api-...``)."""
    match = request.resolver_match
    return match is not None and match.namespace == "hits" and (match.url_name or "").startswith("api-")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: JSON under the API prefix, Django's page elsewhere."""
    if is_api(request):
        return api_error(
            f"CSRF check failed ({reason}): send the csrftoken cookie's value in X-CSRFToken", 403
        )
    return django_csrf_failure(request, reason)
