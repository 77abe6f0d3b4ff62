"""Keyset pagination over hits, newest first: no COUNT(*), no OFFSET, never an unbounded SELECT."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from hits.models import Hit, HitQuerySet

MAX_PAGE_SIZE = 500


class BadPageRequest(ValueError):
    """The cursor or limit parameter is not valid."""


@dataclass(frozen=True)
class HitPage:
    hits: list[Hit]
    next_cursor: str | None


def parse_cursor(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise BadPageRequest(f"cursor must be the 'next' value of a previous page, not {raw!r}")
    return int(raw)


def parse_limit(raw: str | None) -> int:
    if not raw:
        return settings.HITS_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise BadPageRequest(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}")
    return int(raw)


def hit_page(cursor: str | None, limit: str | None, hits: HitQuerySet | None = None) -> HitPage:
    """The page of ``hits`` (default: all; pass a filtered queryset) older than ``cursor``; one query
    of at most limit + 1 rows."""
    size = parse_limit(limit)
    source = hits if hits is not None else Hit.objects.all()
    rows = source.page_before(parse_cursor(cursor), size)
    more = len(rows) > size
    rows = rows[:size]
    return HitPage(hits=rows, next_cursor=str(rows[-1].id) if more else None)


@dataclass(frozen=True)
class NewerHits:
    """Hits that arrived after a known one, newest first; ``more`` when others arrived beyond them."""

    hits: list[Hit]
    more: bool


def parse_after(raw: str | None) -> int:
    if raw is None or not raw.isdigit():
        raise BadPageRequest(f"after must be the id of a hit already shown, not {raw!r}")
    return int(raw)


def hits_after(after: str | None, limit: str | None, hits: HitQuerySet | None = None) -> NewerHits:
    """The oldest ``limit`` of ``hits`` (default: all) newer than ``after``, so none is ever skipped,
    returned newest first; one query of at most limit + 1 rows."""
    size = parse_limit(limit)
    source = hits if hits is not None else Hit.objects.all()
    rows = source.page_after(parse_after(after), size + 1)
    return NewerHits(hits=rows[:size][::-1], more=len(rows) > size)
