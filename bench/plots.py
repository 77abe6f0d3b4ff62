"""One PNG per benchmark (matplotlib, Agg backend: no display needed), small enough to commit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from bench.cold_start_apps import BARE, SITE, SITE_WITHOUT_BYTECODE
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


def save(figure: Figure, path: Path) -> Path:
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


COLD_START_APPS = (
    (SITE, "webhook_site\n(production zip)"),
    (BARE, "bare Django\n(same packaging)"),
    (SITE_WITHOUT_BYTECODE, "webhook_site zip\nwithout .pyc"),
)
INIT_COLOUR, INVOCATION_COLOUR, SECRET_COLOUR = "#1f77b4", "#ff7f0e", "#bbbbbb"


def cold_start_plot(results: BenchResults, path: Path) -> Path:
    cold = results.cold_start
    apps = [(app, label) for app, label in COLD_START_APPS if app in cold.starts]
    figure, axes = plt.subplots(figsize=(9, 1.6 + 0.7 * len(apps)))
    for row, (app, _label) in enumerate(apps):
        # The bar is the median first response, its first part the median init (medians do not add up).
        init, end = cold.median(app, "init_ms"), cold.median(app)
        first = row == 0
        init_label = "init: Python, runtime client, Zappa's handler"
        axes.barh(row, init, color=INIT_COLOUR, label=init_label if first else None)
        axes.barh(
            row, end - init, left=init, color=INVOCATION_COLOUR, label="first invocation" if first else None
        )
        text = f"{end:,.0f} ms"
        if app == SITE:
            label = "the stage's secret-key read (timed apart)"
            axes.barh(row, cold.secret_read_ms, left=end, color=SECRET_COLOUR, hatch="//", label=label)
            end, text = end + cold.secret_read_ms, f"{text} + {cold.secret_read_ms:,.0f} ms"
        axes.text(end + 10, row, text, va="center", fontsize=8)
    axes.set_yticks(range(len(apps)), [label for _app, label in apps], fontsize=8)
    axes.set_xlim(0, axes.get_xlim()[1] * 1.15)  # room for the totals
    axes.invert_yaxis()
    axes.set_xlabel("median time from spawn to the Runtime API receiving the first response, ms")
    axes.set_title(f"B5 cold start from the zips: {cold.ratio:.2f}{TIMES} the bare Django app")
    axes.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=3, frameon=False)
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
