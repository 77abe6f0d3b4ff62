"""Capture every request outside the app's namespace; show hits as pages and as a JSON API."""

from __future__ import annotations

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from hits.access import may_view_hits, page_viewer_required
from hits.capture import record_hit
from hits.downloads import raw_body_response
from hits.models import Hit
from hits.plain_text import plain_text
from hits.received import RequestRefused
from hits.rule_responses import rule_response

MAX_METHOD_LENGTH = Hit.max_length("method")


def wants_html(request: HttpRequest) -> bool:
    """A browser navigating here prefers text/html; curl's */* and API clients get JSON."""
    return request.get_preferred_type(["application/json", "text/html"]) == "text/html"


@csrf_exempt
def capture(request: HttpRequest) -> HttpResponse:
    """Record the request as a Hit, then answer; a 2xx means the hit is committed (the one opt-in
    exception: a CORS preflight its endpoint rule says not to record)."""
    if len(request.method or "") > MAX_METHOD_LENGTH:
        return plain_text(f"Method name longer than {MAX_METHOD_LENGTH} characters. Nothing was stored.", 400)
    try:
        captured = record_hit(request)
    except RequestRefused as refused:
        return plain_text(str(refused), refused.status)
    if captured.rule is not None:
        return rule_response(captured, request)
    hit = captured.hit
    assert hit is not None  # only a rule can leave a request unrecorded
    if request.method == "GET" and wants_html(request) and may_view_hits(request):
        # The original RDS Proxy demo: hit a URL in the browser and watch the table grow. Imported
        # here, not at the top: the pages' modules stay off a cold start's path (hits/lazy_views.py).
        from hits.pages import captured_hit_page

        return captured_hit_page(request, hit)
    return JsonResponse({"id": hit.id}, status=200)


@require_safe
@page_viewer_required
def hit_body(request: HttpRequest, hit_id: int) -> HttpResponse:
    """The exact body as a download; never rendered by the browser (no sniffing, attachment)."""
    return raw_body_response(get_object_or_404(Hit, pk=hit_id))


@require_safe
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """200 "ok" without touching the database: the path Zappa's deploy/update touch requests.

    Zappa GETs the stage's ``touch_path`` after every deploy and fails the deploy on a 5xx. Its
    default, ``/``, is captured (stored as a hit, so every release left a junk hit) and needs the
    database, which on the first deploy has no users yet (docs/deploy.md orders bootstrap after
    deploy), so the first deploy exited 1. This answers once the function's code imports and Django's
    settings load (secret key included), which is what a deploy can check on its own.
    """
    return plain_text("ok", 200)


def reserved_not_found(request: HttpRequest) -> HttpResponse:
    """Paths in the app's own namespace are never captured, even when nothing lives there."""
    raise Http404("no such page")
