"""The hits pages: the live list, its new-rows fragment, and one hit in detail."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from hits.access import page_viewer_required
from hits.body_display import display_body
from hits.models import Hit
from hits.pagination import BadPageRequest, HitPage, hit_page, hits_after
from hits.row_urls import HitUrl
from hits.security_headers import strict_content_security_policy


def plain_text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def row_context(request: HttpRequest) -> dict[str, object]:
    """What hits/hit_rows.html needs besides the hits: URLs resolved once per page, not per row."""
    return {"detail_url": HitUrl.named("hits:detail"), "highlight": None}


def capture_example_url(request: HttpRequest) -> str:
    # SCRIPT_NAME: on Lambda behind a REST API stage, captured paths live under /<stage>.
    return f"{request.scheme}://{request.get_host()}{request.META.get('SCRIPT_NAME', '')}/any/path"


@strict_content_security_policy
def render_hits_table(request: HttpRequest, page: HitPage, highlight: int | None = None) -> HttpResponse:
    first_page = not request.GET.get("cursor")
    context = row_context(request) | {
        "hits": page.hits,
        "next_cursor": page.next_cursor,
        "first_page": first_page,
        "highlight": highlight,
        # Only the newest page follows new arrivals; an older page stays as it was.
        "live_url": reverse("hits:rows") if first_page else "",
        "capture_example_url": capture_example_url(request),
    }
    return render(request, "hits/hit_list.html", context)


@require_safe
@page_viewer_required
def hit_list(request: HttpRequest) -> HttpResponse:
    try:
        page = hit_page(request.GET.get("cursor"), request.GET.get("limit"))
    except BadPageRequest as bad:
        return plain_text(str(bad), 400)
    return render_hits_table(request, page)


@require_safe
@page_viewer_required
@strict_content_security_policy
def hit_rows(request: HttpRequest) -> HttpResponse:
    """The list's rows for hits newer than ?after=<id>, newest first: what the live list inserts.

    The same template renders these rows and the page's, so a polled row is escaped exactly as a
    loaded one. X-More-Hits says more arrived than one response carries (the client asks again).
    """
    try:
        newer = hits_after(request.GET.get("after"), request.GET.get("limit"))
    except BadPageRequest as bad:
        return plain_text(str(bad), 400)
    response = render(request, "hits/hit_rows.html", row_context(request) | {"hits": newer.hits})
    response["X-More-Hits"] = "true" if newer.more else "false"
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@page_viewer_required
@strict_content_security_policy
def hit_detail(request: HttpRequest, hit_id: int) -> HttpResponse:
    hit = get_object_or_404(Hit, pk=hit_id)
    body = bytes(hit.body)
    context = {"hit": hit, "body": display_body(body, hit.content_type)}
    return render(request, "hits/hit_detail.html", context)
