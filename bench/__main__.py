"""``python -m bench [--mode full|quick|tiny]``: run B1-B5 and write the report and its plots."""

from __future__ import annotations

import argparse
import datetime
import shutil
import sys
import tempfile
from pathlib import Path

from bench import b1_reuse, b2_floor, b3_fanin, b4_growth, b5_cold_start
from bench.machine import machine_info
from bench.paths import REPOSITORY
from bench.plots import draw_all
from bench.progress import timed
from bench.report import render
from bench.results import BenchResults
from bench.sizes import MODES
from bench.stack import start_site_stack
from bench.zappa_stage import generated_settings_text

# Quick runs (CI) never touch the committed doc, which comes from a full run.
DEFAULT_OUTPUT = {"full": REPOSITORY / "docs" / "benchmarks.md"}
SCRATCH_DIR = REPOSITORY / "var"  # git-ignored


def run_all(mode: str, work_dir: Path) -> BenchResults:
    sizes = MODES[mode]
    seconds: dict[str, float] = {}
    started_at = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    stack = timed(seconds, "stack", lambda: start_site_stack(work_dir))
    try:
        generated = generated_settings_text(work_dir)
        reuse = timed(seconds, "B1", lambda: b1_reuse.run(stack, generated, sizes))
        floor = timed(seconds, "B2", lambda: b2_floor.run(stack, generated, sizes))
        fanin = timed(seconds, "B3", lambda: b3_fanin.run(work_dir, sizes))
        growth = timed(seconds, "B4", lambda: b4_growth.run(stack, generated, sizes))
        cold_start = timed(seconds, "B5", lambda: b5_cold_start.run(stack, sizes))
        machine = machine_info(stack.server.version)
    finally:
        stack.stop()
    return BenchResults(sizes, machine, started_at, reuse, floor, fanin, growth, cold_start, seconds)


def write_report(results: BenchResults, document: Path, plots_dir: Path) -> None:
    plots = draw_all(results, plots_dir)
    document.parent.mkdir(parents=True, exist_ok=True)
    document.write_text(render(results, plots, document))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--mode", choices=sorted(MODES), default="full")
    parser.add_argument("--output", type=Path, help="the Markdown report (plots go in <stem>/ beside it)")
    parser.add_argument("--keep-work-dir", action="store_true", help="keep servers' data and logs")
    args = parser.parse_args(argv)
    scratch = SCRATCH_DIR / f"bench-{args.mode}" / "benchmarks.md"
    document = args.output or DEFAULT_OUTPUT.get(args.mode, scratch)
    work_dir = Path(tempfile.mkdtemp(prefix="webhook-site-bench-"))
    try:
        results = run_all(args.mode, work_dir)
        write_report(results, document, document.with_suffix(""))
    finally:
        if args.keep_work_dir:
            print(f"[bench] work dir kept: {work_dir}", file=sys.stderr)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    print(f"[bench] wrote {document} and its plots in {document.with_suffix('')}/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
