"""The JSON API (docs/api.md): list (filtered, paged or live), one hit, delete, export."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse

from hits.access import api_editor_required, api_viewer_required
from hits.api_errors import allow_methods, api_error
from hits.deletion import delete_hit
from hits.exports import export_response
from hits.filters import FilterError, HitFilter, refuse_unknown_parameters
from hits.models import Hit
from hits.pagination import BadPageRequest, hit_page, parse_cursor, parse_limit
from hits.serialization import hit_full, hit_summary

EXPORT_FORMATS = ("ndjson", "har")
LIST_PARAMETERS = ("cursor", "limit", "after")


def filter_report(hit_filter: HitFilter) -> dict[str, Any]:
    return {"filter": hit_filter.describe(), "body_search_limit": hit_filter.body_search_limit}


@allow_methods("GET")
@api_viewer_required
def hit_list(request: HttpRequest) -> HttpResponse:
    """Newest first by cursor; with ``after=<id>``, the hits newer than it in arrival order."""
    try:
        refuse_unknown_parameters(request.GET, LIST_PARAMETERS)
        hit_filter = HitFilter.from_query(request.GET)
        if "after" in request.GET:
            if "cursor" in request.GET:
                raise BadPageRequest("give after (newer hits) or cursor (older hits), not both")
            return live_list(request, hit_filter)
        page = hit_page(
            request.GET.get("cursor"), request.GET.get("limit"), hit_filter.apply(Hit.objects.all())
        )
    except (FilterError, BadPageRequest) as bad:
        return api_error(str(bad), 400)
    results = [hit_summary(hit) for hit in page.hits]
    return JsonResponse({"results": results, "next": page.next_cursor, **filter_report(hit_filter)})


def live_list(request: HttpRequest, hit_filter: HitFilter) -> HttpResponse:
    after = parse_cursor(request.GET.get("after"))
    if after is None:
        raise BadPageRequest("after must be a hit id (0 for the oldest hits)")
    hits = hit_filter.apply(Hit.objects.all()).page_after(after, parse_limit(request.GET.get("limit")))
    newest = hits[-1].id if hits else after
    results = [hit_summary(hit) for hit in hits]
    return JsonResponse({"results": results, "after": str(newest), "next": None, **filter_report(hit_filter)})


@allow_methods("GET", "DELETE")
def hit_detail(request: HttpRequest, hit_id: int) -> HttpResponseBase:
    if request.method == "DELETE":
        return hit_delete(request, hit_id)
    return hit_read(request, hit_id)


@api_viewer_required
def hit_read(request: HttpRequest, hit_id: int) -> HttpResponse:
    hit = Hit.objects.filter(pk=hit_id).first()
    if hit is None:
        return api_error(f"no hit with id {hit_id}", 404)
    return JsonResponse(hit_full(hit))


@api_editor_required
def hit_delete(request: HttpRequest, hit_id: int) -> HttpResponse:
    if not delete_hit(hit_id):
        return api_error(f"no hit with id {hit_id}", 404)
    return HttpResponse(status=204)


@allow_methods("GET")
@api_viewer_required
def export(request: HttpRequest, export_format: str) -> HttpResponseBase:
    if export_format not in EXPORT_FORMATS:
        return api_error(f"no export format {export_format!r}: use {' or '.join(EXPORT_FORMATS)}", 404)
    try:
        refuse_unknown_parameters(request.GET)
        hit_filter = HitFilter.from_query(request.GET)
    except FilterError as bad:
        return api_error(str(bad), 400)
    return export_response(request, hit_filter, export_format)
