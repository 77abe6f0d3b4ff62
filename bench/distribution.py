"""Medians, percentiles and ratios of latency samples (nanoseconds in, milliseconds out)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

NANOSECONDS_PER_MILLISECOND = 1_000_000


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear-interpolated percentile (numpy's default), fraction in [0, 1]."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


@dataclass(frozen=True)
class Summary:
    """A latency distribution in milliseconds."""

    count: int
    median_ms: float
    p95_ms: float
    mean_ms: float

    @classmethod
    def of_nanoseconds(cls, samples: Sequence[int]) -> Summary:
        milliseconds = [sample / NANOSECONDS_PER_MILLISECOND for sample in samples]
        return cls(
            count=len(milliseconds),
            median_ms=percentile(milliseconds, 0.5),
            p95_ms=percentile(milliseconds, 0.95),
            mean_ms=sum(milliseconds) / len(milliseconds) if milliseconds else math.nan,
        )


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.inf


# The multiplication sign, spelled out so linters do not take it for a letter x.
TIMES = "\N{MULTIPLICATION SIGN}"
