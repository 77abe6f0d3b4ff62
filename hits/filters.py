"""Search and filters for hits, shared by the hits page, the JSON API and the exports.

The interface (one owner for what a filter means; pages and API only parse, apply and link):

- ``HitFilter.from_query(request.GET)`` builds a filter from the query parameters below, or raises
  ``FilterError`` (a ValueError) whose message is written for the user: the page shows it, the
  API answers it as ``400 {"error": ...}``. Other parameters (``cursor``, ``limit``, ``after``)
  are left alone; ``refuse_unknown_parameters(query, others)`` refuses misspelt ones (the API and
  forward_hits call it, so ``mehtod=POST`` is an error rather than an unfiltered export).
- ``hit_filter.apply(Hit.objects.all())`` narrows a queryset; ordering and pagination stay the
  caller's (keyset on id, hits/pagination.py). The page is one query; ``since``, ``until`` and
  ``q`` each add one small indexed query, run by apply() itself, that turns them into id bounds.
- ``hit_filter.as_query()``: the filter as an urlencoded query string in a stable order, "" when
  empty, for links, pagination and export URLs (``f"?{hit_filter.as_query()}&cursor=..."``).
- ``hit_filter.is_empty``; ``hit_filter.body_search_limit``: None unless body text is searched,
  else N, meaning "only the newest N hits (of all hits) were searched" (setting
  HITS_BODY_SEARCH_LIMIT): say so next to the results.

Parameters (all optional, combined with AND):

========================  ====================================================================
``method=POST``           exact method (upper-cased)
``path=/github/``         path prefix, case-sensitive
``since=``/``until=``     ISO 8601 times (``2026-11-22T21:56:24Z``, ``2026-11-22``); a time without
                          an offset is UTC; since inclusive, until exclusive
``content_type=...``      media type, parameters ignored (``application/json`` matches
                          ``application/json; charset=utf-8``), case-insensitive
``header=X-GitHub-Event`` has that header (name case-insensitive); with ``header_value=push`` also
                          that exact value (as stored: redacted values are ``[redacted]``)
``q=text``                body contains these bytes (UTF-8, case-sensitive), in the newest N hits
``signature=valid``       the endpoint signature outcome: valid, invalid (any reason), expired,
                          none (no signature sent) or unchecked (no rule verified it)
========================  ====================================================================

Every filter but ``q`` reads an index (migrations 0002, 0004): method, media_type, path_key,
received_at and signature on hits_hit, and (name, value_digest, hit) on hits_hitheader.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any, Self, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import BinaryField, Q, QuerySet, Value
from django.db.models.functions import StrIndex, Substr
from django.http import QueryDict
from django.utils.dateparse import parse_date, parse_datetime

from hits.models import Hit, HitHeader
from hits.search_keys import PATH_KEY_LENGTH, header_name_key, header_value_digest, media_type_key
from hits.signature_filter import OUTCOMES, outcome_condition

MAX_METHOD_LENGTH = Hit.max_length("method")
# Long enough for any real use, short enough that no filter value makes a huge statement (RDS Proxy
# pins sessions whose statement text exceeds 16 KB: docs/local-rds-proxy.md).
MAX_VALUE_LENGTH = 1024
# Query parameter names, in the order as_query() writes them.
PARAMETERS = ("method", "path", "since", "until", "content_type", "header", "header_value", "q", "signature")


Hits = TypeVar("Hits", bound=QuerySet[Hit])  # apply() keeps the queryset's class (HitQuerySet)

# How much later than its received_at a hit can be given its id. received_at is taken just before
# the INSERT that allocates the id (after the body is read), and a capture's statements time out in
# seconds (the web path's 20 s read timeout), so ids and times never disagree by this much. Time
# filters use it to turn times into id bounds: a primary-key range instead of a scan of the table.
ARRIVAL_SKEW = dt.timedelta(minutes=5)


# Far around any hit, and far inside both datetime's range (so ± ARRIVAL_SKEW cannot overflow) and
# MySQL's DATETIME (years 1000 to 9999).
EARLIEST_YEAR, LATEST_YEAR = 1970, 9000


class FilterError(ValueError):
    """A filter parameter is invalid; the message says which and what to give instead."""


@dataclass(frozen=True)
class HitFilter:
    method: str = ""
    path_prefix: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    content_type: str = ""
    header_name: str = ""
    header_value: str | None = None
    body_text: str = ""
    signature: str = ""  # a key of hits.signature_filter.OUTCOMES

    @classmethod
    def from_query(cls, query: QueryDict) -> Self:
        values = {name: single_value(query, name) for name in PARAMETERS}
        method = values["method"].upper()
        if len(method) > MAX_METHOD_LENGTH or any(char.isspace() for char in method):
            raise FilterError(f"method must be an HTTP method such as POST, not {values['method']!r}")
        if "header_value" in query and not values["header"].strip():
            raise FilterError("header_value needs header (the header's name) as well")
        if values["signature"] and values["signature"] not in OUTCOMES:
            raise FilterError(f"signature must be one of {', '.join(OUTCOMES)}, not {values['signature']!r}")
        since, until = parse_time("since", values["since"]), parse_time("until", values["until"])
        if since and until and since >= until:
            raise FilterError("since must be earlier than until")
        return cls(
            method=method,
            path_prefix=values["path"],
            since=since,
            until=until,
            content_type=media_type_key(values["content_type"]),
            header_name=values["header"].strip(),
            header_value=values["header_value"] if "header_value" in query else None,
            body_text=values["q"],
            signature=values["signature"],
        )

    @property
    def is_empty(self) -> bool:
        return self == HitFilter()

    @property
    def body_search_limit(self) -> int | None:
        return int(settings.HITS_BODY_SEARCH_LIMIT) if self.body_text else None

    def as_query(self) -> str:
        pairs = [
            ("method", self.method),
            ("path", self.path_prefix),
            ("since", self.since.isoformat() if self.since else ""),
            ("until", self.until.isoformat() if self.until else ""),
            ("content_type", self.content_type),
            ("header", self.header_name),
            ("header_value", self.header_value or ""),
            ("q", self.body_text),
            ("signature", self.signature),
        ]
        # header_value="" is a filter of its own (the header is present and empty), so it is kept.
        kept = [(name, value) for name, value in pairs if value or name == "header_value"]
        if self.header_value is None:
            kept = [(name, value) for name, value in kept if name != "header_value"]
        return urlencode(kept)

    def apply(self, hits: Hits) -> Hits:
        """Narrow ``hits``. Time and body filters first read their id bounds (one small indexed query
        each, run here), so the page query itself is a range on the primary key."""
        condition = Q()
        if self.method:
            condition &= Q(method=self.method)
        if self.path_prefix:
            # The case-insensitive LIKE on path_key is what an index (in MySQL's default collation)
            # can range-scan; the exact, case-sensitive tests below keep the answer right.
            condition &= Q(path_key__istartswith=self.path_prefix[:PATH_KEY_LENGTH])
            condition &= Q(path__startswith=self.path_prefix)
        if self.since:
            condition &= Q(received_at__gte=self.since, id__gt=last_id_before(self.since - ARRIVAL_SKEW))
        if self.until:
            upper = first_id_from(self.until + ARRIVAL_SKEW)
            condition &= Q(received_at__lt=self.until) & (Q(id__lt=upper) if upper is not None else Q())
        if self.content_type:
            condition &= Q(media_type=self.content_type)
        if self.header_name:
            digest = "" if self.header_value is None else header_value_digest(self.header_value)
            keys = HitHeader.objects.filter(name=header_name_key(self.header_name), value_digest=digest)
            condition &= Q(id__in=keys.values("hit_id"))
        if self.signature:
            condition &= outcome_condition(self.signature)
        if self.body_text:
            # INSTR on the blob: a byte comparison on MySQL, MariaDB and SQLite alike.
            needle = Value(self.body_text.encode("utf-8"), output_field=BinaryField())
            hits = hits.alias(body_position=StrIndex("body", needle))
            condition &= Q(body_position__gt=0, id__gte=lowest_of_newest(self.body_search_limit or 0))
        hits = hits.filter(condition)
        if self.path_prefix:
            # MySQL's startswith is LIKE BINARY (exact) but SQLite's LIKE ignores ASCII case, and
            # SQLite's = is exact where MySQL's follows the collation: together, exact on both.
            hits = hits.alias(path_head=Substr("path", 1, len(self.path_prefix))).filter(
                path_head=self.path_prefix
            )
        return hits

    def describe(self) -> dict[str, Any]:
        """The filter as the API reports it back (only what is set)."""
        described = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}
        for name in ("since", "until"):
            if name in described:
                described[name] = described[name].isoformat()
        if self.header_value is not None:
            described["header_value"] = self.header_value
        return described


def refuse_unknown_parameters(query: QueryDict, others: tuple[str, ...] = ()) -> None:
    """FilterError for a parameter that is neither a filter nor one of ``others``: a misspelt filter
    (``mehtod=POST``) would otherwise be ignored, and a list or an export would quietly hold everything."""
    unknown = sorted(set(query) - set(PARAMETERS) - set(others))
    if unknown:
        known = ", ".join((*PARAMETERS, *others))
        raise FilterError(f"unknown parameter {', '.join(unknown)} (known: {known})")


def last_id_before(moment: dt.datetime) -> int:
    """The id of the latest hit received before ``moment`` (0 if none): one received_at index probe."""
    found = Hit.objects.filter(received_at__lt=moment).order_by("-received_at", "-id").values_list("id")[:1]
    return found[0][0] if found else 0


def first_id_from(moment: dt.datetime) -> int | None:
    """The id of the first hit received at or after ``moment`` (None if none)."""
    found = Hit.objects.filter(received_at__gte=moment).order_by("received_at", "id").values_list("id")[:1]
    return found[0][0] if found else None


def lowest_of_newest(count: int) -> int:
    """The lowest id among the newest ``count`` hits (0 when there are fewer): reads count index entries."""
    found = Hit.objects.order_by("-id").values_list("id")[count - 1 : count]
    return found[0][0] if found else 0


def single_value(query: QueryDict, name: str) -> str:
    values = query.getlist(name)
    if len(values) > 1:
        raise FilterError(f"{name} is given {len(values)} times: give it once")
    value = values[0] if values else ""
    if len(value) > MAX_VALUE_LENGTH:
        raise FilterError(f"{name} is longer than {MAX_VALUE_LENGTH} characters")
    if "\x00" in value:
        raise FilterError(f"{name} contains a NUL character")
    return value


def parse_time(name: str, text: str) -> dt.datetime | None:
    """ISO 8601 date or date-time; no offset means UTC. Returns an aware datetime."""
    text = text.strip()
    if not text:
        return None
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            parsed = dt.datetime(day.year, day.month, day.day) if day else None
    except ValueError:  # well-formed but impossible, such as 2026-02-30
        parsed = None
    if parsed is None:
        raise FilterError(
            f"{name} is not an ISO 8601 time: {text!r} (examples: 2026-11-22, 2026-11-22T21:56:24Z)"
        )
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        raise FilterError(f"{name} must be a time from {EARLIEST_YEAR} to {LATEST_YEAR}, not {text!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
