"""Retention rules for hits: checked strictly, fixed at the start of a purge, applied in small batches.

A purge never surprises: an age of zero or an empty value is an error, not "no bound"; deleting
every hit has to be asked for by name; and the rule is pinned to the hits that existed when the
purge started (an id bound and a time bound), so hits captured while it runs always survive.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q

from hits.models import Hit

# Each batch is one `DELETE ... WHERE id IN (...)`. Ids are BIGINTs, at most 19 digits plus ", " =
# 21 bytes each, so 500 ids make at most ~10.6 KB of statement text: well under the 16,384 bytes at
# which RDS Proxy pins a session (docs/local-rds-proxy.md, "statement text over 16 KB"), and a
# short transaction that holds its row locks only briefly.
MAX_BATCH_SIZE = 500
DEFAULT_BATCH_SIZE = MAX_BATCH_SIZE
# Far beyond any useful retention, and far inside datetime's range (now - 100 years is ~1926), so
# `now - age` can never overflow and MySQL's DATETIME (year 1000 onwards) can always store it.
MAX_AGE = timedelta(days=36_525)
# More hits than ids cannot exist: the primary key is a signed BIGINT (BigAutoField). It is also
# the largest OFFSET both SQLite and MySQL accept.
MAX_KEEP = 2**63 - 1
# `--all` without `--yes` says how many hits it would delete; counting stops here, so even that
# refusal reads a bounded number of index entries.
COUNT_LIMIT = 1_000_000

DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
DURATION_PATTERN = re.compile(r"([+-]?[0-9]+)([smhdw])", re.ASCII)
WHOLE_NUMBER_PATTERN = re.compile(r"[+-]?[0-9]+", re.ASCII)
DURATION_EXAMPLES = "90s, 30m (minutes), 12h, 7d, 2w"


class RetentionError(ValueError):
    """A retention rule or one of its values is invalid; the message says what to give instead."""


def parse_duration(text: str) -> timedelta:
    """'7d' -> 7 days (units s, m, h, d, w). Empty, malformed or over 100 years is an error."""
    if not text.strip():
        raise RetentionError(
            f"--older-than is empty (an unset shell variable?): give an age such as {DURATION_EXAMPLES}"
        )
    match = DURATION_PATTERN.fullmatch(text.strip())
    if not match:
        raise RetentionError(f"not an age: {text!r} (use a whole number and a unit: {DURATION_EXAMPLES})")
    amount, unit_length = int(match[1]), timedelta(**{DURATION_UNITS[match[2]]: 1})
    if amount > MAX_AGE // unit_length:  # checked before multiplying: timedelta overflows at 10**9 days
        raise RetentionError(f"--older-than {text.strip()} is more than 100 years ({MAX_AGE.days}d)")
    return amount * unit_length


def parse_whole_number(text: str, name: str) -> int:
    """A whole number written in ASCII digits (an optional sign allowed); anything else is an error."""
    if not WHOLE_NUMBER_PATTERN.fullmatch(text.strip()):
        raise RetentionError(f"{name} must be a whole number, not {text!r}")
    return int(text)


def check_batch_size(batch_size: int) -> int:
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise RetentionError(f"--batch-size must be from 1 to {MAX_BATCH_SIZE}, not {batch_size}")
    return batch_size


def describe_duration(age: timedelta) -> str:
    """7 days, 12 hours, 90 seconds: the largest unit that divides the age exactly."""
    seconds = int(age.total_seconds())
    for unit, length in (("days", 86_400), ("hours", 3_600), ("minutes", 60)):
        if seconds % length == 0:
            return f"{seconds // length} {unit}"
    return f"{seconds} seconds"


@dataclass(frozen=True)
class RetentionRule:
    """What the operator asked for: an age, a number of newest hits to keep, or explicitly everything."""

    older_than: timedelta | None = None
    keep: int | None = None
    everything: bool = False

    def __post_init__(self) -> None:
        if self.everything:
            if self.older_than is not None or self.keep not in (None, 0):
                raise RetentionError(
                    "--all deletes every hit: it cannot be combined with --older-than or --keep"
                )
            return
        if self.older_than is None and self.keep is None:
            raise RetentionError("say what to delete: --older-than AGE and/or --keep N (or --all --yes)")
        if self.keep == 0:
            raise RetentionError(
                "--keep 0 keeps nothing: to delete every hit say --all --yes; "
                "to delete by age only, leave --keep out"
            )
        if self.keep is not None and not 0 < self.keep <= MAX_KEEP:
            raise RetentionError(f"--keep must be from 1 to {MAX_KEEP}, not {self.keep}")
        if self.older_than is not None and self.older_than <= timedelta(0):
            raise RetentionError(
                "--older-than must be more than 0: an age of 0 or less would select every hit "
                "(to delete every hit, say --all --yes)"
            )
        if self.older_than is not None and self.older_than > MAX_AGE:
            raise RetentionError(f"--older-than must be at most 100 years ({MAX_AGE.days}d)")


@dataclass(frozen=True)
class PurgePlan:
    """A rule fixed against the table at one moment: only hits received before ``received_before``
    with an id of at most ``max_id`` may go. Both bounds always exist; ``max_id`` 0 lets none go."""

    rule: RetentionRule
    started_at: datetime
    received_before: datetime
    max_id: int
    newest_id_at_start: int | None
    # Which hits the rule governs: all of them, or one endpoint rule's (Q(endpoint_id=...), indexed).
    scope: Q = field(default_factory=Q)

    def condition(self) -> Q:
        return self.scope & Q(id__lte=self.max_id, received_at__lt=self.received_before)

    def describe(self) -> list[str]:
        """The rule applied, one bound per line, in words an operator can check against what they meant."""
        age = self.rule.older_than
        cutoff = f"{describe_duration(age)} before the start" if age is not None else "the start"
        lines = [f"cutoff: received before {self.received_before.isoformat()} ({cutoff})"]
        if self.newest_id_at_start is None:
            lines.append("id bound: none could go (there were no hits at the start)")
        elif self.max_id == 0:
            lines.append(f"id bound: none could go (no more than {self.rule.keep} hits at the start)")
        elif self.max_id == self.newest_id_at_start:
            lines.append(f"id bound: id <= {self.max_id} (the newest hit at the start)")
        else:
            lines.append(
                f"id bound: id <= {self.max_id} (below the newest {self.rule.keep}; "
                f"the newest hit at the start was {self.newest_id_at_start})"
            )
        if self.rule.keep:
            lines.append(f"kept: the newest {self.rule.keep} hits, and every hit captured after the start")
        elif age is not None:
            lines.append("kept: every hit received after the cutoff")
        else:
            lines.append("kept: only hits captured after the start (--all)")
        return lines


def plan_purge(rule: RetentionRule, now: datetime, scope: Q | None = None) -> PurgePlan:
    """Fix ``rule`` to the hits (in ``scope``) that exist now: later hits get higher ids, so they are
    never touched."""
    scope = scope if scope is not None else Q()
    newest_ids = Hit.objects.filter(scope).newest_first().values_list("id", flat=True)
    newest_id = newest_ids.first()
    max_id = newest_id or 0
    if rule.keep:
        # The newest hit that may go sits just below the kept ones: one lookup on the primary key.
        max_id = next(iter(newest_ids[rule.keep : rule.keep + 1]), 0)
    received_before = now - rule.older_than if rule.older_than is not None else now
    return PurgePlan(rule, now, received_before, max_id, newest_id, scope)


def count_doomed(plan: PurgePlan) -> tuple[int, bool]:
    """How many hits ``plan`` would delete, counting at most COUNT_LIMIT; True if the count was capped."""
    counted = Hit.objects.filter(plan.condition())[: COUNT_LIMIT + 1].count()
    return min(counted, COUNT_LIMIT), counted > COUNT_LIMIT


def delete_batch(ids: list[int]) -> int:
    """Delete these hits and their search keys in one transaction; returns how many hits went.

    HitQuerySet.delete() reads only the ids for the cascade to the search keys (bodies would make it
    6x slower, bench.purge_cost). Hits only are counted: delete()'s total includes the search keys.
    """
    return Hit.objects.filter(id__in=ids).delete()[1].get(Hit._meta.label, 0)


def purge(plan: PurgePlan, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Delete what ``plan`` selects, oldest first, ``batch_size`` rows per statement; return how many went."""
    return purge_until(plan, batch_size, deadline=None)[0]


def purge_until(plan: PurgePlan, batch_size: int, deadline: float | None) -> tuple[int, bool]:
    """As purge(), but starts no batch after ``deadline`` (time.monotonic()); returns how many went and
    whether it finished. Stopping between batches loses nothing: the next run starts at the oldest."""
    check_batch_size(batch_size)
    # Oldest first, so an interrupted purge leaves the newest hits and no gap in the middle; each
    # batch starts after the last one (keyset), so rows the rule skips are never read twice.
    doomed = Hit.objects.filter(plan.condition()).newest_first().reverse().values_list("id", flat=True)
    deleted = 0
    last_id = 0
    while batch := list(doomed.filter(id__gt=last_id)[:batch_size]):
        deleted += delete_batch(batch)
        last_id = batch[-1]
        if deadline is not None and time.monotonic() >= deadline:
            return deleted, not doomed.filter(id__gt=last_id).exists()
    return deleted, True
