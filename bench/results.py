"""Everything one run measured, and the issue's targets checked against it."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.b1_reuse import ReuseResult
from bench.b2_floor import FloorResult
from bench.b3_fanin import FanInResult
from bench.b4_growth import GrowthResult
from bench.b5_cold_start import ColdStartResult
from bench.distribution import TIMES
from bench.sizes import BenchSizes

REUSE_SPEEDUP_TARGET = 5.0
REUSE_CONNECTS_PER_THOUSAND_TARGET = 1.0
FLOOR_RATIO_TARGET = 4.0
GROWTH_FLATNESS_TARGET = 1.2
PAGE_OVER_ACK_TARGET = 2.0
COLD_START_RATIO_TARGET = 1.3
COLD_START_STRETCH_TARGET = 1.1


@dataclass
class BenchResults:
    sizes: BenchSizes
    machine: dict[str, str]
    started_at: str
    reuse: ReuseResult
    floor: FloorResult
    fanin: FanInResult
    growth: GrowthResult
    cold_start: ColdStartResult
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetCheck:
    benchmark: str
    target: str
    measured: str
    met: bool
    shortfall: str = ""
    note: str = ""


def reuse_connects_per_thousand(reuse: ReuseResult) -> float:
    """The larger of the two independent counts: the stand-in's accepted connections, the app's tokens."""
    mode = reuse.reuse
    return max(mode.per_thousand(mode.proxy_connects), mode.per_thousand(mode.tokens_minted))


def cold_start_stretch_met(results: BenchResults) -> bool:
    return results.cold_start.ratio <= COLD_START_STRETCH_TARGET


def cold_start_fully_met(results: BenchResults) -> bool:
    """Target and stretch met, even with the production stage's secret-key read added."""
    cold = results.cold_start
    return cold_start_stretch_met(results) and cold.ratio_with_secret_read <= COLD_START_STRETCH_TARGET


def cold_start_stretch_note(results: BenchResults) -> str:
    """The stretch verdict, and the ratio with the production stage's secret-key read added."""
    cold = results.cold_start
    over = f"{cold.ratio / COLD_START_STRETCH_TARGET:.2f}{TIMES} over"
    verdict = "met" if cold_start_stretch_met(results) else f"missed ({over})"
    with_read = f"{cold.ratio_with_secret_read:.2f}{TIMES}"
    stretch = f"stretch ≤ {COLD_START_STRETCH_TARGET}{TIMES} {verdict}"
    return f"{stretch}; {with_read} with the stage's secret-key read (see B5)"


def target_checks(results: BenchResults) -> list[TargetCheck]:
    reuse, floor, growth, cold = results.reuse, results.floor, results.growth, results.cold_start
    connects = reuse_connects_per_thousand(reuse)
    largest = max(results.sizes.fanin_clients)
    fanin = results.fanin.run_for("proxy", largest)
    return [
        TargetCheck(
            "B1 reuse: median speed-up",
            f"≥ {REUSE_SPEEDUP_TARGET:.0f}{TIMES}",
            f"{reuse.speedup:.2f}{TIMES}",
            reuse.speedup >= REUSE_SPEEDUP_TARGET,
            f"{REUSE_SPEEDUP_TARGET / reuse.speedup:.2f}{TIMES} short",
        ),
        TargetCheck(
            "B1 reuse: connects per 1,000 warm invocations",
            f"≤ {REUSE_CONNECTS_PER_THOUSAND_TARGET:.0f}",
            f"{connects:.2f}",
            connects <= REUSE_CONNECTS_PER_THOUSAND_TARGET,
            f"{connects - REUSE_CONNECTS_PER_THOUSAND_TARGET:.2f} over",
        ),
        TargetCheck(
            "B2 floor: warm capture / the same rows stored raw (medians)",
            f"≤ {FLOOR_RATIO_TARGET:.0f}{TIMES}",
            f"{floor.ratio:.2f}{TIMES}",
            floor.ratio <= FLOOR_RATIO_TARGET,
            f"{floor.ratio / FLOOR_RATIO_TARGET:.2f}{TIMES} over",
        ),
        TargetCheck(
            f"B3 fan-in: {largest} clients through the stand-in",
            f"≤ {results.fanin.pool_size} DB connections, 0 errors",
            f"{fanin.peak_database_sessions} DB connections, {fanin.error_count} errors",
            fanin.peak_database_sessions <= results.fanin.pool_size and fanin.error_count == 0,
            "see the B3 table",
        ),
        TargetCheck(
            f"B4 growth: page p50 at {growth.sizes[-1].rows:,} rows / at {growth.sizes[0].rows:,}",
            f"≤ {GROWTH_FLATNESS_TARGET}{TIMES}",
            f"{growth.flatness('page'):.2f}{TIMES}",
            growth.flatness("page") <= GROWTH_FLATNESS_TARGET,
            f"{growth.flatness('page') / GROWTH_FLATNESS_TARGET:.2f}{TIMES} over",
        ),
        TargetCheck(
            f"B4: 50-row page p50 / JSON capture ack p50 at {growth.sizes[-1].rows:,} rows",
            f"≤ {PAGE_OVER_ACK_TARGET:.0f}{TIMES}",
            f"{growth.sizes[-1].over_ack('page'):.2f}{TIMES}",
            growth.sizes[-1].over_ack("page") <= PAGE_OVER_ACK_TARGET,
            f"{growth.sizes[-1].over_ack('page') / PAGE_OVER_ACK_TARGET:.2f}{TIMES} over",
        ),
        TargetCheck(
            "B5 cold start from the zip: first captured hit / bare Django first response (medians)",
            f"≤ {COLD_START_RATIO_TARGET}{TIMES}",
            f"{cold.ratio:.2f}{TIMES}",
            cold.ratio <= COLD_START_RATIO_TARGET,
            f"{cold.ratio / COLD_START_RATIO_TARGET:.2f}{TIMES} over",
            cold_start_stretch_note(results),
        ),
    ]
