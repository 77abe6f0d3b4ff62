"""The hits table's rows as HTML: the list page and the live list's polls both insert these.

Built with f-strings and html.escape rather than a template: a page renders 50 rows per view and
a template engine's per-value overhead (autoescape calls, attribute lookups) was half the page's
time (docs/ui.md). Every value that comes from a request goes through ``html.escape``; the others
are our own digits and formats.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from markupsafe import Markup

from hits.display_formats import byte_size, received_time, shortened
from hits.models import Hit
from hits.row_urls import HitUrl

# The fields hit_rows_html reads. Pages load only these: no body, and no headers JSON to decode
# (a realistic hit's ten headers made decoding them a sixth of the list page's time).
ROW_FIELDS = (
    "id",
    "received_at",
    "method",
    "path",
    "query_string",
    "content_type",
    "body_size",
    "client_address",
    "signature",
)
PATH_SHOWN = 160
CONTENT_TYPE_SHOWN = 60


def hit_rows_html(hits: Iterable[Hit], detail_url: HitUrl, highlight: int | None = None) -> Markup:
    """One <tr data-id="…"> per hit, in the order given; ``highlight`` marks the row just recorded."""
    rows = []
    for hit in hits:
        marked = ' class="highlight"' if hit.id == highlight else ""
        path = escape(shortened(hit.full_path, PATH_SHOWN))
        rows.append(
            f'<tr data-id="{hit.id}"{marked}>'
            f'<td class="id">{hit.id}</td>'
            f'<td class="time">{received_time(hit.received_at)}</td>'
            f'<td class="method">{escape(hit.method)}</td>'
            f'<td class="path"><a href="{detail_url(hit.id)}">{path}</a></td>'
            f'<td class="wide">{escape(shortened(hit.content_type, CONTENT_TYPE_SHOWN))}</td>'
            f'<td class="num">{byte_size(hit.body_size)}</td>'
            f'<td class="wide">{escape(hit.client_address or "")}</td>'
            f'<td class="signature">{escape(hit.signature)}</td>'
            "</tr>\n"
        )
    return Markup("".join(rows))  # noqa: S704 - every request-supplied value above is escaped
