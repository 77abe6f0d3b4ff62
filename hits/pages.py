"""The hits pages: the live list with its filter form, its new-rows fragment, one hit in detail,
deleting one hit or every hit a filter matches."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from hits.access import is_staff, page_viewer_required
from hits.body_display import HEX_DUMP_LIMIT, VIEW_LABELS, UnknownBodyView, display_body
from hits.deletion import delete_hit, delete_matching
from hits.downloads import body_file_name
from hits.filters import PARAMETERS as FILTER_PARAMETERS
from hits.filters import FilterError, HitFilter
from hits.models import Hit
from hits.pagination import BadPageRequest, HitPage, hit_page, hits_after
from hits.plain_text import plain_text
from hits.replay_commands import replay_commands, replay_request
from hits.row_html import ROW_FIELDS, hit_rows_html
from hits.row_urls import HitUrl
from hits.security_headers import strict_content_security_policy
from hits.signature_filter import OUTCOMES as SIGNATURE_OUTCOMES


def capture_example_url(request: HttpRequest) -> str:
    # SCRIPT_NAME: on Lambda behind a REST API stage, captured paths live under /<stage>.
    return f"{request.scheme}://{request.get_host()}{request.META.get('SCRIPT_NAME', '')}/any/path"


def digits_or_empty(value: str) -> str:
    return value if value.isdigit() else ""


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
def render_hits_table(
    request: HttpRequest,
    page: HitPage,
    highlight: int | None = None,
    hit_filter: HitFilter | None = None,
    filter_error: str = "",
    status: int = 200,
    query: QueryDict | None = None,
) -> HttpResponse:
    # The list's own query string. The capture page (views.capture) passes none: a captured request's
    # query string is data, not a filter or a cursor.
    query = query if query is not None else QueryDict()
    hit_filter = hit_filter or HitFilter()
    first_page = not query.get("cursor")
    detail_url = HitUrl.named("hits:detail")
    filter_query = hit_filter.as_query()
    context = {
        "rows": hit_rows_html(page.hits, detail_url, highlight),
        "detail_url": detail_url,
        "empty": not page.hits,
        "filtered": not hit_filter.is_empty,
        "filter_error": filter_error,
        "filter_values": {name: query.get(name, "") for name in FILTER_PARAMETERS},
        "signature_choices": [(value, label) for value, (label, _lookup) in SIGNATURE_OUTCOMES.items()],
        "body_search_limit": hit_filter.body_search_limit,
        "filter_query": filter_query,
        "next_cursor": page.next_cursor,
        "first_page": first_page,
        "highlight": highlight,
        "deleted": digits_or_empty(query.get("deleted", "")),
        "cleared": digits_or_empty(query.get("cleared", "")),
        "may_clear": is_staff(request),
        # Only the newest page follows new arrivals (those the filter matches); an older page stays.
        "live_url": with_query(reverse("hits:rows"), filter_query) if first_page and not filter_error else "",
        "capture_example_url": capture_example_url(request),
    }
    return render(request, "hits/hit_list.html", context, status=status)


def captured_hit_page(request: HttpRequest, hit: Hit) -> HttpResponse:
    """What a browser's GET of a captured URL shows: the newest hits, the one it just stored marked."""
    return render_hits_table(request, hit_page(None, None, Hit.objects.only(*ROW_FIELDS)), highlight=hit.id)


def with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def filled_in(query: QueryDict) -> QueryDict:
    """The query without the filter form's empty fields: a browser sends every field, and an empty
    one means "any" on the page (the API reads ``header_value=`` as "an empty value")."""
    kept = query.copy()
    for name in FILTER_PARAMETERS:
        if not any(kept.getlist(name)):
            kept.pop(name, None)
    return kept


@require_safe
@page_viewer_required
def hit_list(request: HttpRequest) -> HttpResponse:
    try:
        hit_filter = HitFilter.from_query(filled_in(request.GET))
    except FilterError as bad:
        # The form again, with what was typed and what is wrong with it, and no rows.
        return render_hits_table(
            request, HitPage([], None), filter_error=str(bad), status=400, query=request.GET
        )
    matching = hit_filter.apply(Hit.objects.only(*ROW_FIELDS))
    try:
        page = hit_page(request.GET.get("cursor"), request.GET.get("limit"), matching)
    except BadPageRequest as bad:
        return plain_text(str(bad), 400)
    return render_hits_table(request, page, hit_filter=hit_filter, query=request.GET)


@require_safe
@page_viewer_required
@strict_content_security_policy
def hit_rows(request: HttpRequest) -> HttpResponse:
    """The list's rows for hits newer than ?after=<id> (and matching the page's filter), newest first:
    what the live list inserts.

    hit_rows_html renders these rows and the page's, so a polled row is escaped exactly as a loaded
    one. X-More-Hits says more arrived than one response carries (the client asks again).
    """
    try:
        matching = HitFilter.from_query(request.GET).apply(Hit.objects.only(*ROW_FIELDS))
        newer = hits_after(request.GET.get("after"), request.GET.get("limit"), matching)
    except (BadPageRequest, FilterError) as bad:
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
    if not delete_hit(hit_id):
        return plain_text(f"No hit with id {hit_id}: nothing was deleted.", 404)
    return redirect(f"{reverse('hits:list')}?deleted={hit_id}")


@staff_required
@strict_content_security_policy
def clear_hits(request: HttpRequest) -> HttpResponse:
    """GET: a confirmation form for every hit the filter in the query matches (all without one);
    POST (CSRF-protected, the box ticked): delete them, then say how many went.

    Deletes oldest first in batches, pinned to the hits that existed when it started
    (hits/deletion.py): hits captured meanwhile survive.
    """
    source = request.POST if request.method == "POST" else request.GET
    try:
        hit_filter = HitFilter.from_query(source)
    except FilterError as bad:
        return plain_text(str(bad), 400)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            return plain_text("Tick the confirmation box to delete the hits. Nothing was deleted.", 400)
        deleted = delete_matching(hit_filter)
        return redirect(f"{reverse('hits:list')}?cleared={deleted}")
    if request.method not in ("GET", "HEAD"):
        return plain_text("Use GET for the form or POST to delete.", 405)
    newest = hit_filter.apply(Hit.objects.all()).newest_first().values_list("id", flat=True).first()
    context = {
        "newest": newest,
        "filtered": not hit_filter.is_empty,
        "filter_query": hit_filter.as_query(),
        "filter_fields": list(QueryDict(hit_filter.as_query()).items()),
    }
    return render(request, "hits/clear.html", context)
