"""Who may look at captured data. Capturing is open to anyone; viewing may require a staff login.

The API also accepts an API token (``Authorization: Bearer ...``, hits/api_tokens.py), which reads
whatever HITS_REQUIRE_LOGIN guards; a token never deletes. Clearing many hits needs staff always.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from hits.api_errors import api_error
from hits.api_tokens import TokenRefused, presented_token

View = Callable[..., HttpResponseBase]


def may_view_hits(request: HttpRequest) -> bool:
    """Open for local use; only signed-in staff when HITS_REQUIRE_LOGIN is on."""
    if not settings.HITS_REQUIRE_LOGIN:
        return True
    user = request.user
    return bool(user.is_authenticated and user.is_staff)


def page_viewer_required(view: View) -> View:
    """Pages: anonymous users go to the admin login; signed-in non-staff users get 403."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if may_view_hits(request):
            return view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return HttpResponse("Staff access required.\n", status=403, content_type="text/plain")

    return guarded


def api_refusal(request: HttpRequest) -> HttpResponse:
    """401 for anonymous clients (token or staff session needed), 403 for signed-in non-staff users."""
    if not request.user.is_authenticated:
        response = api_error(
            "authentication required: send 'Authorization: Bearer <API token>' or sign in as staff", 401
        )
        response["WWW-Authenticate"] = 'Bearer realm="webhook_site"'
        return response
    return api_error("staff access required", 403)


def token_refusal(refused: TokenRefused) -> HttpResponse:
    response = api_error(str(refused), 401)
    response["WWW-Authenticate"] = 'Bearer realm="webhook_site", error="invalid_token"'
    return response


def api_viewer_required(view: View) -> View:
    """API reads: a valid API token, or whoever may view hits (a staff session when login is required)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        try:
            token = presented_token(request)
        except TokenRefused as refused:
            return token_refusal(refused)
        if token is not None or may_view_hits(request):
            return view(request, *args, **kwargs)
        return api_refusal(request)

    return guarded


def api_editor_required(view: View) -> View:
    """API deletes: whoever may view hits, by session (the browser, with its CSRF token); never a token."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if "Authorization" in request.headers:
            return api_error("API tokens are read-only: delete hits signed in as staff", 403)
        if may_view_hits(request):
            return view(request, *args, **kwargs)
        return api_refusal(request)

    return guarded


def is_staff(request: HttpRequest) -> bool:
    """Clearing many hits at once is for signed-in staff only, whatever HITS_REQUIRE_LOGIN says."""
    user = request.user
    return bool(user.is_authenticated and user.is_staff)
