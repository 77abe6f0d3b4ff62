"""Who may look at captured data. Capturing is open to anyone; viewing may require a staff login."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse

View = Callable[..., HttpResponse]


def may_view_hits(request: HttpRequest) -> bool:
    """Open for local use; only signed-in staff when HITS_REQUIRE_LOGIN is on."""
    if not settings.HITS_REQUIRE_LOGIN:
        return True
    user = request.user
    return bool(user.is_authenticated and user.is_staff)


def page_viewer_required(view: View) -> View:
    """Pages: anonymous users go to the admin login; signed-in non-staff users get 403."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if may_view_hits(request):
            return view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return HttpResponse("Staff access required.\n", status=403, content_type="text/plain")

    return guarded


def api_viewer_required(view: View) -> View:
    """API: 401 for anonymous clients, 403 for signed-in non-staff users, as JSON."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if may_view_hits(request):
            return view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            response = JsonResponse({"error": "authentication required: sign in as a staff user"}, status=401)
            response["WWW-Authenticate"] = 'Session realm="webhook_site"'
            return response
        return JsonResponse({"error": "staff access required"}, status=403)

    return guarded
