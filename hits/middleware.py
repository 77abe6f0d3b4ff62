"""Turn "the database cannot be reached" into a short 503 instead of a 500 with a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

# Errors that mean "no database right now" rather than "bad query": connection refused, server gone
# away, lost connection, RDS Proxy's borrow timeout (9501) and connection limits (1040).
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable_response() -> HttpResponse:
    """503 with Retry-After and a plain message; nothing was stored."""
    response = HttpResponse(
        "Service temporarily unavailable: the database cannot be reached. Nothing was stored; "
        "please retry.\n",
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(settings.HITS_RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 + Retry-After when a view fails because the database is unavailable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, UNAVAILABLE_ERRORS):
            return None
        logger.error("database unavailable for %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response()
