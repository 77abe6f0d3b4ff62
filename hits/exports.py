"""Export the hits a filter matches as NDJSON or HAR 1.2, streamed with bounded memory.

Hits are read oldest first in keyset batches of metadata (bodies deferred), and bodies in groups
of at most BODY_BYTES_PER_QUERY, so memory holds one batch and at most one group of bodies (a
group always takes one body, so a single body can exceed it up to HITS_MAX_BODY_BYTES) whatever
the export's size. An export ends at the newest hit that existed when it started.
Stored hits carry redacted secrets only (hits/capture.py), so exports cannot leak them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, quote

from django.http import HttpRequest, StreamingHttpResponse

from hits.filters import HitFilter
from hits.forwarding import PATH_SAFE
from hits.models import Hit
from hits.serialization import hit_full

METADATA_BATCH = 200
BODY_BYTES_PER_QUERY = 4 * 1024 * 1024
HAR_VERSION = "1.2"
CREATOR = {"name": "webhook_site", "version": "1"}


def exported_hits(hit_filter: HitFilter, ceiling: int) -> Iterator[tuple[Hit, bytes]]:
    """Each matching hit up to id ``ceiling`` with its body, oldest first."""
    matching = hit_filter.apply(Hit.objects.filter(id__lte=ceiling)).order_by("id").defer("body")
    last_id = 0
    while batch := list(matching.filter(id__gt=last_id)[:METADATA_BATCH]):
        for group in body_groups(batch):
            bodies = dict(Hit.objects.filter(id__in=[hit.id for hit in group]).values_list("id", "body"))
            for hit in group:
                yield hit, bytes(bodies.get(hit.id, b""))
        last_id = batch[-1].id


def body_groups(batch: list[Hit]) -> Iterator[list[Hit]]:
    group: list[Hit] = []
    size = 0
    for hit in batch:
        if group and size + hit.body_size > BODY_BYTES_PER_QUERY:
            yield group
            group, size = [], 0
        group.append(hit)
        size += hit.body_size
    if group:
        yield group


def ndjson_lines(hit_filter: HitFilter, ceiling: int) -> Iterator[bytes]:
    for hit, body in exported_hits(hit_filter, ceiling):
        hit.body = body
        yield json.dumps(hit_full(hit), ensure_ascii=False).encode("utf-8") + b"\n"


def har_chunks(hit_filter: HitFilter, ceiling: int, default_scheme: str) -> Iterator[bytes]:
    head = {"version": HAR_VERSION, "creator": CREATOR, "pages": []}
    yield b'{"log": ' + json.dumps(head).encode()[:-1] + b', "entries": ['
    separator = b""
    for hit, body in exported_hits(hit_filter, ceiling):
        yield separator + json.dumps(har_entry(hit, body, default_scheme), ensure_ascii=False).encode("utf-8")
        separator = b", "
    yield b"]}}\n"


def header_value(hit: Hit, name: str) -> str:
    wanted = name.lower()
    return next((value for key, value in hit.headers if key.lower() == wanted), "")


def request_url(hit: Hit, default_scheme: str) -> str:
    scheme = header_value(hit, "X-Forwarded-Proto").split(",")[0].strip() or default_scheme
    host = header_value(hit, "Host") or "unknown.invalid"
    query = f"?{hit.query_string}" if hit.query_string else ""
    return f"{scheme}://{host}{quote(hit.path, safe=PATH_SAFE)}{query}"


def post_data(hit: Hit, body: bytes) -> dict[str, Any]:
    """HAR's postData holds text (``params`` is its alternative: the spec makes them exclusive); a
    body that is not UTF-8 goes in base64, marked by the custom field ``_encoding``."""
    data: dict[str, Any] = {"mimeType": hit.content_type}
    try:
        data["text"] = body.decode("utf-8")
    except UnicodeDecodeError:
        data["text"] = base64.b64encode(body).decode("ascii")
        data["_encoding"] = "base64"
    return data


def har_entry(hit: Hit, body: bytes, default_scheme: str) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": hit.method,
        "url": request_url(hit, default_scheme),
        "httpVersion": "HTTP/1.1",
        "cookies": [],  # the Cookie header is stored redacted: no cookie values to list
        "headers": [{"name": name, "value": value} for name, value in hit.headers],
        "queryString": [
            {"name": name, "value": value}
            for name, value in parse_qsl(hit.query_string, keep_blank_values=True)
        ],
        "headersSize": -1,
        "bodySize": hit.body_size,
    }
    if body:
        request["postData"] = post_data(hit, body)
    entry: dict[str, Any] = {
        "startedDateTime": hit.received_at.isoformat(),
        "time": 0,
        "request": request,
        # webhook_site records requests; the answer it gave is not stored (HAR's "no response": 0).
        "response": {
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
        "comment": f"webhook_site hit {hit.id}",
    }
    if hit.signature:
        entry["_signature"] = hit.signature  # a custom field (HAR allows "_" names): the outcome
    return entry


def export_response(request: HttpRequest, hit_filter: HitFilter, export_format: str) -> StreamingHttpResponse:
    """The streamed export. Its first query runs here, so a database that cannot be reached gets the
    usual 503 (hits/middleware.py) rather than a stream that breaks after its 200."""
    ceiling = Hit.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if export_format == "har":
        chunks = har_chunks(hit_filter, ceiling, request.scheme or "http")
        response = StreamingHttpResponse(chunks, content_type="application/json")
    else:
        response = StreamingHttpResponse(
            ndjson_lines(hit_filter, ceiling), content_type="application/x-ndjson"
        )
    response["Content-Disposition"] = f'attachment; filename="hits.{export_format}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
