"""Capture every request outside the app's namespace; show hits as pages and as a JSON API."""

from __future__ import annotations

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from hits.access import may_view_hits, page_viewer_required
from hits.body_display import display_body
from hits.capture import record_hit
from hits.downloads import raw_body_response
from hits.filters import FilterError, HitFilter
from hits.models import Hit
from hits.pagination import BadPageRequest, HitPage, hit_page
from hits.received import RequestRefused
from hits.rule_responses import rule_response
from hits.security_headers import strict_content_security_policy

MAX_METHOD_LENGTH = Hit.max_length("method")


def plain_text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


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
        # The original RDS Proxy demo: hit a URL in the browser and watch the table grow.
        return render_hits_table(request, hit_page(None, None), highlight=hit.id)
    return JsonResponse({"id": hit.id}, status=200)


@strict_content_security_policy
def render_hits_table(request: HttpRequest, page: HitPage, highlight: int | None = None) -> HttpResponse:
    return render(request, "hits/hit_list.html", {"page": page, "highlight": highlight})


@require_safe
@page_viewer_required
def hit_list(request: HttpRequest) -> HttpResponse:
    # The filter narrows the rows (hits/filters.py); showing the filter form is the page's template's.
    try:
        matching = HitFilter.from_query(request.GET).apply(Hit.objects.all())
        page = hit_page(request.GET.get("cursor"), request.GET.get("limit"), matching)
    except (BadPageRequest, FilterError) as bad:
        return plain_text(str(bad), 400)
    return render_hits_table(request, page)


@require_safe
@page_viewer_required
@strict_content_security_policy
def hit_detail(request: HttpRequest, hit_id: int) -> HttpResponse:
    hit = get_object_or_404(Hit, pk=hit_id)
    body = bytes(hit.body)
    context = {"hit": hit, "body": display_body(body, hit.content_type)}
    return render(request, "hits/hit_detail.html", context)


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
