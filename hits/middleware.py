"""Turn a database failure into a short, true answer (503/502) instead of a 500 with a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from hits.api_errors import is_api
from hits.capture import DatabaseNotReached
from hits.database_failures import DatabaseFailure, Outcome, classify

logger = logging.getLogger(__name__)

# Errors about the database being unavailable rather than a bad query: connection refused, server
# gone away, lost connection, RDS Proxy's borrow timeout (9501) and connection limits (1040),
# deadlocks, lock waits, read-only mode. Programming errors stay 500s.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)
CAPTURE_VIEW = "capture"


def is_capture(request: HttpRequest) -> bool:
    return request.resolver_match is not None and request.resolver_match.url_name == CAPTURE_VIEW


def failure_message(failure: DatabaseFailure, capturing: bool) -> str:
    message = failure.kind.value[0].upper() + failure.kind.value[1:] + "."
    if not capturing:
        return message + " Please retry later."
    if failure.outcome is Outcome.NOT_STORED:
        return f"{message} {failure.outcome.value} Please retry later."
    return f"{message} {failure.outcome.value}"


def database_failure_response(request: HttpRequest, failure: DatabaseFailure) -> HttpResponse:
    message = failure_message(failure, capturing=is_capture(request))
    response: HttpResponse
    if is_api(request):
        response = JsonResponse({"error": message}, status=failure.status)
    else:
        response = HttpResponse(
            message + "\n", status=failure.status, content_type="text/plain; charset=utf-8"
        )
    if failure.outcome is Outcome.NOT_STORED:
        response["Retry-After"] = str(settings.HITS_RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Answer what a view's database failure means, and whether the capture was stored."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DatabaseNotReached) and exception.__cause__ is not None:
            error, before_write = exception.__cause__, True
        elif isinstance(exception, UNAVAILABLE_ERRORS):
            error, before_write = exception, not is_capture(request)
        else:
            return None
        failure = classify(error, before_write=before_write, vendor=connection.vendor)
        logger.error(
            "database failure (%s, %s) for %s %s: %s",
            failure.kind.name,
            failure.outcome.name,
            request.method,
            request.path,
            error,
        )
        return database_failure_response(request, failure)
