"""``python -m chaos [--mode full|quick]``: captures under faults, audited; exits 1 if any invariant fails.

full: at least 2,000 captures per fault kind and a 2-minute soak; writes docs/chaos.md.
quick: a smoke run of the same path, written to var/chaos-quick/chaos.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.paths import REPOSITORY
from chaos.report import render
from chaos.scenarios import FAULTS, FaultResult, SoakResult, run_fault, run_soak
from chaos.stack import ChaosStack


@dataclass(frozen=True)
class ChaosSizes:
    captures_per_fault: int
    clients: int
    down_seconds: float
    soak_seconds: float
    soak_sample_every: float


MODES = {
    # Down longer than the proxy's 5 s borrow timeout, so waiting requests get 9501 as well.
    "full": ChaosSizes(
        captures_per_fault=2500, clients=8, down_seconds=8.0, soak_seconds=120.0, soak_sample_every=5.0
    ),
    "quick": ChaosSizes(
        captures_per_fault=300, clients=6, down_seconds=3.0, soak_seconds=20.0, soak_sample_every=2.0
    ),
}
OUTPUT = {"full": REPOSITORY / "docs" / "chaos.md", "quick": REPOSITORY / "var" / "chaos-quick" / "chaos.md"}
# Soak bounds after warm-up: a worker may open a socket or two more (a reconnect), never a pile.
MAX_FILE_DESCRIPTOR_GROWTH = 4
MAX_RSS_GROWTH_FRACTION = 0.10


@dataclass
class ChaosResults:
    mode: str
    sizes: ChaosSizes
    started_at: str
    faults: list[FaultResult]
    soak: SoakResult
    site_workers: int

    def violations(self) -> list[str]:
        problems = []
        results: list[FaultResult | SoakResult] = [*self.faults, self.soak]
        for result in results:
            name = result.fault if isinstance(result, FaultResult) else "soak"
            if not result.audit.holds:
                problems.append(f"{name}: audit failed ({dataclasses.asdict(result.audit)})")
        if self.soak.growth(lambda sample: sample.site_file_descriptors) > MAX_FILE_DESCRIPTOR_GROWTH:
            problems.append("soak: file descriptors grew after warm-up")
        if (
            max((s.proxy_client_connections for s in self.soak.after_warm_up()), default=0)
            > self.site_workers
        ):
            problems.append("soak: more proxy client connections than site workers")
        warm_rss = self.soak.after_warm_up()[0].site_rss_kib if self.soak.after_warm_up() else 0
        if self.soak.growth(lambda sample: sample.site_rss_kib) > warm_rss * MAX_RSS_GROWTH_FRACTION:
            problems.append("soak: memory grew more than 10 % after warm-up")
        return problems


def run_all(mode: str, work_dir: Path) -> ChaosResults:
    sizes = MODES[mode]
    started_at = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    stack = ChaosStack(work_dir)
    try:
        faults = []
        for key in FAULTS:
            print(f"[chaos] {FAULTS[key].name} ...", file=sys.stderr, flush=True)
            faults.append(run_fault(stack, key, sizes.captures_per_fault, sizes.clients, sizes.down_seconds))
        print("[chaos] soak ...", file=sys.stderr, flush=True)
        soak = run_soak(stack, sizes.soak_seconds, sizes.clients, sizes.soak_sample_every)
        workers = len(stack.site.worker_pids())
    finally:
        stack.close()
    return ChaosResults(mode, sizes, started_at, faults, soak, workers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument("--mode", choices=sorted(MODES), default="full")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    work_dir = Path(tempfile.mkdtemp(prefix="webhook-site-chaos-"))
    try:
        results = run_all(args.mode, work_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    violations = results.violations()
    document = args.output or OUTPUT[args.mode]
    document.parent.mkdir(parents=True, exist_ok=True)
    document.write_text(render(results, violations))
    print(f"[chaos] wrote {document}", file=sys.stderr)
    for violation in violations:
        print(f"[chaos] FAILED: {violation}", file=sys.stderr)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
