"""One PNG per benchmark (matplotlib, Agg backend: no display needed), small enough to commit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, NullFormatter

from bench.b5_cold_start import ColdStartResult
from bench.distribution import TIMES
from bench.results import BenchResults

DPI = 100
PROXY_COLOUR, DIRECT_COLOUR = "#1f77b4", "#d62728"
REUSE_COLOUR, FRESH_COLOUR = "#2ca02c", "#ff7f0e"


def cumulative(axes: Axes, samples_ms: Sequence[float], label: str, colour: str) -> None:
    ordered = sorted(samples_ms)
    fractions = [(index + 1) / len(ordered) for index in range(len(ordered))]
    axes.step(ordered, fractions, where="post", label=label, color=colour)


LATENCY_TICKS_MS = (0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500)


def plain_log_x(axes: Axes, ticks: Sequence[float] | None = None) -> None:
    """A log x axis labelled 0.5, 1, 2 ... or 1,000,000 rather than 5x10^-1 or 1e+06."""
    axes.set_xscale("log")
    if ticks is None:
        low, high = axes.get_xlim()
        ticks = [tick for tick in LATENCY_TICKS_MS if low <= tick <= high]
    axes.set_xticks(list(ticks))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.10g}"))
    axes.xaxis.set_minor_formatter(NullFormatter())


def save(figure: plt.Figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path


def reuse_plot(results: BenchResults, path: Path) -> Path:
    reuse, fresh = results.reuse.reuse, results.reuse.fresh
    figure, axes = plt.subplots(figsize=(7, 3.4))
    cumulative(
        axes, reuse.samples_ms, f"CONN_MAX_AGE=600 (median {reuse.summary.median_ms:.2f} ms)", REUSE_COLOUR
    )
    cumulative(
        axes, fresh.samples_ms, f"CONN_MAX_AGE=0 (median {fresh.summary.median_ms:.2f} ms)", FRESH_COLOUR
    )
    plain_log_x(axes)
    axes.set_xlabel("warm capture invocation latency, ms (log scale)")
    axes.set_ylabel("fraction of invocations")
    axes.set_title(f"B1 connection reuse: {results.reuse.speedup:.1f}{TIMES} faster median")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="lower right", fontsize=8)
    return save(figure, path)


def floor_plot(results: BenchResults, path: Path) -> Path:
    floor = results.floor
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4), gridspec_kw={"width_ratios": [1, 1.3]})
    cumulative(
        left, floor.samples_ms(floor.floor_ns), f"raw INSERT ({floor.floor.median_ms:.2f} ms)", "#7f7f7f"
    )
    cumulative(
        left, floor.samples_ms(floor.capture_ns), f"capture ({floor.capture.median_ms:.2f} ms)", REUSE_COLOUR
    )
    plain_log_x(left)
    left.set_xlabel("latency, ms (log scale)")
    left.set_ylabel("fraction")
    left.set_title(f"B2 capture vs floor: {floor.ratio:.2f}{TIMES}")
    left.grid(True, which="both", alpha=0.3)
    left.legend(loc="lower right", fontsize=8)
    layers = list(reversed(floor.profile["layers"]))
    right.barh([layer["layer"] for layer in layers], [layer["ms_per_invocation"] for layer in layers])
    right.set_xlabel("own time per capture under cProfile, ms")
    right.set_title("where a warm capture's time goes")
    right.tick_params(axis="y", labelsize=7)
    return save(figure, path)


def fanin_plot(results: BenchResults, path: Path) -> Path:
    fanin = results.fanin
    clients = sorted({run.clients for run in fanin.runs})
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    for route, colour, label in (
        ("proxy", PROXY_COLOUR, "through the stand-in"),
        ("direct", DIRECT_COLOUR, "direct"),
    ):
        runs = [fanin.run_for(route, count) for count in clients]
        left.plot(clients, [run.peak_database_sessions for run in runs], "o-", color=colour, label=label)
        right.plot(clients, [run.error_count for run in runs], "o-", color=colour, label=label)
    pool, limit = fanin.pool_size, fanin.max_connections
    left.axhline(pool, color=PROXY_COLOUR, linestyle=":", label=f"pool size {pool}")
    left.axhline(limit, color=DIRECT_COLOUR, linestyle=":", label=f"max_connections {limit}")
    left.set_ylim(0, fanin.max_connections * 1.3)
    left.set_title("B3 peak app sessions on MariaDB")
    right.set_title("B3 failed clients (1040 Too many connections)")
    for axes in (left, right):
        plain_log_x(axes, clients)
        axes.set_xlabel("simultaneous warm containers")
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize=7, loc="lower right" if axes is left else "upper left")
    return save(figure, path)


def growth_plot(results: BenchResults, path: Path) -> Path:
    sizes = results.growth.sizes
    rows = [size.rows for size in sizes]
    figure, axes = plt.subplots(figsize=(7, 3.4))
    for endpoint, label, colour in (
        ("page", "hits page /_/", "#9467bd"),
        ("api", "API /_/api/hits", "#8c564b"),
    ):
        medians = [size.summary(endpoint).median_ms for size in sizes]
        p95s = [size.summary(endpoint).p95_ms for size in sizes]
        axes.plot(rows, medians, "o-", color=colour, label=f"{label} p50")
        axes.plot(rows, p95s, "o--", color=colour, alpha=0.5, label=f"{label} p95")
    plain_log_x(axes, rows)
    axes.set_ylim(bottom=0)
    axes.set_xlabel("rows in hits_hit (log scale)")
    axes.set_ylabel("latency through the handler, ms")
    flatness = results.growth.flatness("page")
    axes.set_title(f"B4 growth: page p50 at {rows[-1]:,} rows = {flatness:.2f}{TIMES} that at {rows[0]:,}")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=7, ncol=2, loc="lower right")
    return save(figure, path)


def cold_start_segments(cold: ColdStartResult) -> list[tuple[str, list[tuple[str, float]]]]:
    site = [item for item in cold.median_phases(cold.site) if item[0] != "first invocation"]
    site += cold.median_phases(cold.site, "breakdown")
    return [("webhook_site\n(Zappa handler)", site), ("bare Django\n(WSGI)", cold.median_phases(cold.bare))]


def cold_start_plot(results: BenchResults, path: Path) -> Path:
    cold = results.cold_start
    figure, axes = plt.subplots(figsize=(9, 3.6))
    palette = plt.get_cmap("tab20").colors[::2] + plt.get_cmap("tab20").colors[1::2]
    colours: dict[str, tuple[float, ...]] = {}
    for row, (_label, segments) in enumerate(cold_start_segments(cold)):
        left = 0.0
        for name, milliseconds in segments:
            short = name.split(" (")[0]
            first_time = short not in colours
            colour = colours.setdefault(short, palette[len(colours) % len(palette)])
            axes.barh(row, milliseconds, left=left, color=colour, label=short if first_time else None)
            left += milliseconds
        axes.text(left + 3, row, f"{left:.0f} ms", va="center", fontsize=8)
    axes.set_yticks([0, 1], [label for label, _ in cold_start_segments(cold)], fontsize=8)
    axes.set_xlim(0, axes.get_xlim()[1] * 1.12)  # room for the totals
    axes.invert_yaxis()
    axes.set_xlabel("median time from spawn to first answered request, ms")
    axes.set_title(f"B5 cold start: {cold.ratio:.2f}{TIMES} the bare Django app")
    axes.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes.grid(True, axis="x", alpha=0.3)
    return save(figure, path)


def draw_all(results: BenchResults, directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return {
        "b1": reuse_plot(results, directory / "b1_reuse.png"),
        "b2": floor_plot(results, directory / "b2_floor.png"),
        "b3": fanin_plot(results, directory / "b3_fanin.png"),
        "b4": growth_plot(results, directory / "b4_growth.png"),
        "b5": cold_start_plot(results, directory / "b5_cold_start.png"),
    }
