"""Delete old hits in small batches so no statement holds long locks on a busy table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from hits.models import Hit

# Small enough that each DELETE is a short transaction and its `IN (...)` list stays far below
# the 16 KB statement size at which RDS Proxy pins a session.
DEFAULT_BATCH_SIZE = 500
DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
DURATION_PATTERN = re.compile(r"^(\d+)([smhdw])$")


def parse_duration(text: str) -> timedelta:
    """'7d' -> 7 days; units s, m, h, d, w."""
    match = DURATION_PATTERN.match(text.strip())
    if not match:
        raise ValueError(f"not a duration: {text!r} (use a number and a unit: 90s, 30m, 12h, 7d, 2w)")
    amount, unit = match.groups()
    return timedelta(**{DURATION_UNITS[unit]: int(amount)})


@dataclass(frozen=True)
class PurgePlan:
    """Which hits go: received before ``older_than`` (if set), except the newest ``keep`` (if set)."""

    received_before: datetime | None
    keep: int | None

    def condition(self) -> Q | None:
        """The filter for doomed rows, or None when nothing at all should be deleted."""
        condition = Q()
        if self.received_before is not None:
            condition &= Q(received_at__lt=self.received_before)
        if self.keep is not None:
            # The id of the oldest hit to keep: one indexed lookup on the primary key.
            boundary = Hit.objects.order_by("-id").values_list("id", flat=True)[self.keep : self.keep + 1]
            newest_doomed = next(iter(boundary), None)
            if newest_doomed is None:
                return None  # fewer than `keep` hits exist
            condition &= Q(id__lte=newest_doomed)
        return condition


def purge(plan: PurgePlan, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Delete what ``plan`` selects, ``batch_size`` rows per statement; return how many went."""
    condition = plan.condition()
    if condition is None:
        return 0
    deleted = 0
    while True:
        batch = list(Hit.objects.filter(condition).order_by("id").values_list("id", flat=True)[:batch_size])
        if not batch:
            return deleted
        deleted += Hit.objects.filter(id__in=batch).delete()[0]
