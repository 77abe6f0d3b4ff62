"""Where a cold start's imports go: `python -X importtime` output, own time summed per group of modules.

Groups are top-level packages, except Django (by subpackage, and by app under django.contrib), which
is most of the time and whose parts are needed for different reasons; standard-library modules are
labelled as such. importtime's own overhead inflates every figure, so compare groups, not totals
with the timed starts.
"""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass

IMPORT_LINE_PREFIX = "import time:"
HEADER_MARK = "self [us]"


@dataclass(frozen=True)
class ImportGroup:
    name: str
    own_ms: float
    modules: int


def module_times(importtime_log: str) -> dict[str, float]:
    """Each imported module's own import time in ms, from -X importtime's lines on stderr."""
    times: dict[str, float] = {}
    for line in importtime_log.splitlines():
        if not line.startswith(IMPORT_LINE_PREFIX) or HEADER_MARK in line:
            continue
        own_us, _cumulative_us, name = line.removeprefix(IMPORT_LINE_PREFIX).split("|")
        times[name.strip()] = int(own_us) / 1000
    return times


def median_module_times(runs: list[dict[str, float]]) -> dict[str, float]:
    """Per module, the median of its own time over ``runs`` (absent from a run counts as 0)."""
    modules = {module for run in runs for module in run}
    return {module: statistics.median(run.get(module, 0.0) for run in runs) for module in modules}


def group_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "django" and len(parts) > 1:
        depth = 3 if parts[1] == "contrib" and len(parts) > 2 else 2
        return ".".join(parts[:depth])
    if parts[0] in sys.stdlib_module_names:
        return f"{parts[0]} (stdlib)"
    return parts[0]


def grouped(times: dict[str, float]) -> dict[str, ImportGroup]:
    own: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for module, milliseconds in times.items():
        own[group_of(module)] += milliseconds
        count[group_of(module)] += 1
    return {name: ImportGroup(name, own[name], count[name]) for name in own}
