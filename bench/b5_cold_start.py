"""B5 cold start: a fresh process to its first captured hit, against a bare Django app's first request.

Probes (bench.cold_start_probe) alternate between the two apps; one more site probe runs under
``python -X importtime`` to list what the imports cost, by top-level package.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from bench.b1_reuse import PRODUCTION_CONN_MAX_AGE
from bench.distribution import ratio
from bench.proxy_process import REPOSITORY
from bench.sizes import BenchSizes
from bench.stack import BenchStack, lambda_runtime_environment
from bench.zappa_stage import write_stage_settings

PROBE_TIMEOUT_SECONDS = 60
TOP_PACKAGES = 12
# Imported by the probe itself (events, timers, token evidence), not by the app.
HARNESS_PACKAGES = ("bench", "tests", "bench_stdlib_signer")


@dataclass
class ColdStartResult:
    site: list[dict[str, Any]]
    bare: list[dict[str, Any]]
    site_imports_ms: list[tuple[str, float]]
    site_import_total_ms: float
    bare_import_total_ms: float

    @staticmethod
    def median_total(probes: list[dict[str, Any]]) -> float:
        return statistics.median(probe["total_ms"] for probe in probes)

    @property
    def ratio(self) -> float:
        return ratio(self.median_total(self.site), self.median_total(self.bare))

    @staticmethod
    def median_phases(probes: list[dict[str, Any]], key: str = "phases") -> list[tuple[str, float]]:
        names = [name for name, _ in probes[0][key]]
        by_probe = [dict(map(tuple, probe[key])) for probe in probes]
        return [(name, statistics.median(values[name] for values in by_probe)) for name in names]


def run_probe(arguments: list[str], python_options: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    environment = lambda_runtime_environment() | {"BENCH_SPAWNED_AT_NS": str(time.time_ns())}
    result = subprocess.run(
        [sys.executable, *python_options, "-m", "bench.cold_start_probe", *arguments],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=PROBE_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cold-start probe {arguments} failed:\n{result.stderr[-4000:]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    if report["status"] != 200:
        raise RuntimeError(f"probe {arguments}: status {report['status']}:\n{result.stderr[-4000:]}")
    return report, result.stderr


def imports_by_package(importtime_log: str) -> tuple[list[tuple[str, float]], float]:
    """Own import time summed per top-level package (ms), largest first, and the total."""
    by_package: dict[str, float] = defaultdict(float)
    for line in importtime_log.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _cumulative, name = line.removeprefix("import time:").split("|")
        package = name.strip().split(".")[0]
        if package not in HARNESS_PACKAGES:
            by_package[package] += int(own) / 1000
    ranked = sorted(by_package.items(), key=lambda item: item[1], reverse=True)
    return ranked, sum(by_package.values())


def run(stack: BenchStack, generated_settings: str, sizes: BenchSizes) -> ColdStartResult:
    settings_dir = stack.work_dir / "containers" / "b5-cold-start"
    write_stage_settings(generated_settings, settings_dir, stack.stage_variables(PRODUCTION_CONN_MAX_AGE))
    site_arguments, bare_arguments = ["site", str(settings_dir)], ["bare"]
    # One discarded start of each: bytecode caches written, files in the page cache, as on a warm host.
    run_probe(site_arguments)
    run_probe(bare_arguments)
    site, bare = [], []
    for number in range(sizes.cold_starts):
        pair = [(site, site_arguments), (bare, bare_arguments)]
        for probes, arguments in pair if number % 2 == 0 else reversed(pair):
            probes.append(run_probe(arguments)[0])
    site_imports, site_import_total = imports_by_package(run_probe(site_arguments, ("-X", "importtime"))[1])
    _, bare_import_total = imports_by_package(run_probe(bare_arguments, ("-X", "importtime"))[1])
    return ColdStartResult(site, bare, site_imports[:TOP_PACKAGES], site_import_total, bare_import_total)
