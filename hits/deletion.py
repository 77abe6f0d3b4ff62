"""Deleting hits: one by id, or every hit a filter matches in small batches (the staff-only clear)."""

from __future__ import annotations

from hits.filters import HitFilter
from hits.models import Hit
from hits.retention import delete_batch

# Same reasoning as retention's batches (hits/retention.py): short statements and transactions,
# well under RDS Proxy's 16 KB pinning threshold.
CLEAR_BATCH_SIZE = 500


def delete_hit(hit_id: int) -> bool:
    """Delete one hit and its search keys; False when there was no such hit."""
    _total, by_model = Hit.objects.filter(pk=hit_id).delete()
    return by_model.get(Hit._meta.label, 0) > 0


def delete_matching(hit_filter: HitFilter, batch_size: int = CLEAR_BATCH_SIZE) -> int:
    """Delete every hit ``hit_filter`` matches (all hits when empty), oldest first, ``batch_size`` per
    statement; returns how many. Pinned to the hits that existed when it started: hits captured
    while it runs survive, and it always ends."""
    ceiling = Hit.objects.order_by("-id").values_list("id", flat=True).first()
    if ceiling is None:
        return 0
    doomed = hit_filter.apply(Hit.objects.filter(id__lte=ceiling)).order_by("id").values_list("id", flat=True)
    deleted = 0
    last_id = 0
    while batch := list(doomed.filter(id__gt=last_id)[:batch_size]):
        deleted += delete_batch(batch)
        last_id = batch[-1]
    return deleted
