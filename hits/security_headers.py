"""A strict Content-Security-Policy for our own pages: captured data is shown, never executed."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

# Our own static scripts and stylesheet only (no inline script or style, no eval, no other origin);
# fetch() may reach only this site (the live list polls it). Even if escaping were ever missed, an
# injected <script> or inline handler would not run.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def strict_content_security_policy(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def with_policy(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    return with_policy
