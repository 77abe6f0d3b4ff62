"""The hits pages: the live list, its new-rows fragment, one hit in detail, deleting one or all."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from hits.access import page_viewer_required
from hits.body_display import HEX_DUMP_LIMIT, VIEW_LABELS, UnknownBodyView, display_body
from hits.downloads import body_file_name
from hits.models import Hit
from hits.pagination import BadPageRequest, HitPage, hit_page, hits_after
from hits.replay_commands import replay_commands, replay_request
from hits.retention import RetentionRule, plan_purge, purge
from hits.row_html import hit_rows_html
from hits.row_urls import HitUrl
from hits.security_headers import strict_content_security_policy


def plain_text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def capture_example_url(request: HttpRequest) -> str:
    # SCRIPT_NAME: on Lambda behind a REST API stage, captured paths live under /<stage>.
    return f"{request.scheme}://{request.get_host()}{request.META.get('SCRIPT_NAME', '')}/any/path"


def digits_or_empty(value: str) -> str:
    return value if value.isdigit() else ""


def is_staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_staff)


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Clearing every hit is for signed-in staff only, whatever HITS_REQUIRE_LOGIN says."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if is_staff(request):
            return view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return plain_text("Clearing hits is for staff users only.", 403)

    return guarded


@strict_content_security_policy
def render_hits_table(request: HttpRequest, page: HitPage, highlight: int | None = None) -> HttpResponse:
    first_page = not request.GET.get("cursor")
    detail_url = HitUrl.named("hits:detail")
    context = {
        "rows": hit_rows_html(page.hits, detail_url, highlight),
        "detail_url": detail_url,
        "empty": not page.hits,
        "next_cursor": page.next_cursor,
        "first_page": first_page,
        "highlight": highlight,
        "deleted": digits_or_empty(request.GET.get("deleted", "")),
        "cleared": digits_or_empty(request.GET.get("cleared", "")),
        "may_clear": is_staff(request),
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

    hit_rows_html renders these rows and the page's, so a polled row is escaped exactly as a loaded
    one. X-More-Hits says more arrived than one response carries (the client asks again).
    """
    try:
        newer = hits_after(request.GET.get("after"), request.GET.get("limit"))
    except BadPageRequest as bad:
        return plain_text(str(bad), 400)
    response = HttpResponse(hit_rows_html(newer.hits, HitUrl.named("hits:detail")))
    response["X-More-Hits"] = "true" if newer.more else "false"
    response["Cache-Control"] = "no-store"
    return response


class BadTarget(ValueError):
    """?target= is not an http(s) URL the commands can send to."""


def replay_target(request: HttpRequest) -> str:
    """Where the commands send the hit: ?target=, else this site's origin (the path holds any prefix)."""
    raw = request.GET.get("target", "").strip()
    if not raw:
        return request.build_absolute_uri("/").rstrip("/")
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise BadTarget(f"target must be an http:// or https:// URL without query or fragment, not {raw!r}")
    return raw.rstrip("/")


def view_urls(request: HttpRequest, views: tuple[str, ...]) -> dict[str, str]:
    """Each body view's link, keeping the page's other parameters (the replay target)."""
    urls = {}
    for view in views:
        query = request.GET.copy()
        query["view"] = view
        urls[view] = "?" + query.urlencode()
    return urls


@require_safe
@page_viewer_required
@strict_content_security_policy
def hit_detail(request: HttpRequest, hit_id: int) -> HttpResponse:
    hit = get_object_or_404(Hit, pk=hit_id)
    try:
        body = display_body(bytes(hit.body), hit.content_type, request.GET.get("view") or None)
        target = replay_target(request)
    except (UnknownBodyView, BadTarget) as bad:
        return plain_text(str(bad), 400)
    replay = replay_request(hit, target)
    context = {
        "hit": hit,
        "body": body,
        "view_urls": view_urls(request, body.views),
        "view_labels": VIEW_LABELS,
        "hex_limit": HEX_DUMP_LIMIT,
        "body_url": reverse("hits:body", args=[hit.id]),
        "replay": {
            "target": target,
            "commands": replay_commands(replay),
            "inline_body": replay.inline_body,
            "body_file": body_file_name(hit.id),
        },
    }
    return render(request, "hits/hit_detail.html", context)


@require_POST
@page_viewer_required
def hit_delete(request: HttpRequest, hit_id: int) -> HttpResponse:
    """Delete one hit (CSRF-protected POST), then show the list saying so."""
    deleted, _ = Hit.objects.filter(pk=hit_id).delete()
    if not deleted:
        return plain_text(f"No hit with id {hit_id}: nothing was deleted.", 404)
    return redirect(f"{reverse('hits:list')}?deleted={hit_id}")


@staff_required
@strict_content_security_policy
def clear_hits(request: HttpRequest) -> HttpResponse:
    """GET: a confirmation form; POST (CSRF-protected, the box ticked): delete every hit, then say how many.

    Deletes oldest first in batches, pinned to the hits that existed when it started (the purge_hits
    machinery, hits/retention.py): hits captured meanwhile survive.
    """
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            return plain_text("Tick the confirmation box to delete every hit. Nothing was deleted.", 400)
        deleted = purge(plan_purge(RetentionRule(everything=True), timezone.now()))
        return redirect(f"{reverse('hits:list')}?cleared={deleted}")
    if request.method not in ("GET", "HEAD"):
        return plain_text("Use GET for the form or POST to delete.", 405)
    newest = Hit.objects.newest_first().values_list("id", flat=True).first()
    return render(request, "hits/clear.html", {"newest": newest})
