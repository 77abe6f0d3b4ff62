"""Fault scenarios: captures flow while a process is killed and restarted; then the soak."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chaos.audit import Audit, audit
from chaos.load import LoadRun, run_load
from chaos.stack import ChaosStack

# The fault strikes once a quarter of the captures are done, and the load goes on for at least half
# as many again after the restart, so both sides of the fault are loaded however fast failures come.
FAULT_AT_FRACTION = 0.25
AFTER_RESTART_FRACTION = 0.5


@dataclass(frozen=True)
class Fault:
    name: str
    kill: Callable[[ChaosStack], None]
    restart: Callable[[ChaosStack], None]


FAULTS = {
    "database": Fault(
        "MariaDB killed (SIGKILL) and restarted", ChaosStack.kill_database, ChaosStack.restart_database
    ),
    "stand-in": Fault(
        "RDS Proxy stand-in killed (SIGKILL) and restarted",
        ChaosStack.kill_stand_in,
        ChaosStack.restart_stand_in,
    ),
}


@dataclass
class FaultResult:
    fault: str
    audit: Audit
    seconds: float
    down_seconds: float
    restart_seconds: float  # how long the restart itself took (until the process answered)
    recovery_seconds: float | None  # restart done -> first capture sent after it that was acknowledged
    failed_window_seconds: float | None  # first failed answer -> last failed answer


def run_fault(stack: ChaosStack, key: str, total: int, clients: int, down_seconds: float) -> FaultResult:
    fault = FAULTS[key]
    path_prefix = f"/chaos/{key}/"
    reached = threading.Event()
    timings: dict[str, float] = {}

    sent: list[int] = [0]

    def watch(done: int) -> None:
        sent[0] = done
        if done >= total * FAULT_AT_FRACTION:
            reached.set()

    def enough_after_restart(sequence: int) -> bool:
        restarted_at = timings.get("sequence_at_restart")
        return restarted_at is not None and sequence >= restarted_at + total * AFTER_RESTART_FRACTION

    def inject() -> None:
        reached.wait()
        fault.kill(stack)
        timings["killed"] = time.monotonic()
        time.sleep(down_seconds)
        started = time.monotonic()
        fault.restart(stack)
        timings["restarted"] = time.monotonic()
        timings["restart_seconds"] = timings["restarted"] - started
        timings["sequence_at_restart"] = sent[0]

    injector = threading.Thread(target=inject)
    injector.start()
    started = time.monotonic()
    run: LoadRun = run_load(
        stack.site.port, path_prefix, total, clients, on_progress=watch, at_least_until=enough_after_restart
    )
    reached.set()  # never leave the injector waiting, even if the load ended early
    injector.join()
    result = audit(run.captures, stack.stored_bodies(path_prefix))
    return FaultResult(
        fault=fault.name,
        audit=result,
        seconds=time.monotonic() - started,
        down_seconds=down_seconds,
        restart_seconds=timings["restart_seconds"],
        recovery_seconds=first_success_after(run, timings["restarted"]),
        failed_window_seconds=failed_window(run),
    )


def first_success_after(run: LoadRun, moment: float) -> float | None:
    answered = [
        capture.answered_at for capture in run.captures if capture.status == 200 and capture.sent_at >= moment
    ]
    return min(answered) - moment if answered else None


def failed_window(run: LoadRun) -> float | None:
    failed = [capture.answered_at for capture in run.captures if capture.status != 200]
    return max(failed) - min(failed) if failed else None


@dataclass
class SoakSample:
    elapsed: float
    site_file_descriptors: int
    site_rss_kib: int
    proxy_client_connections: int


@dataclass
class SoakResult:
    seconds: float
    audit: Audit
    samples: list[SoakSample] = field(default_factory=list)
    warm_up_samples: int = 0

    def after_warm_up(self) -> list[SoakSample]:
        return self.samples[self.warm_up_samples :]

    def growth(self, measure: Callable[[SoakSample], int]) -> int:
        """Largest value after warm-up minus the value at the end of warm-up."""
        later = self.after_warm_up()
        return max(map(measure, later)) - measure(later[0]) if later else 0


def process_file_descriptors(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))


def process_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def sample(stack: ChaosStack, elapsed: float) -> SoakSample:
    workers = stack.site.worker_pids()
    return SoakSample(
        elapsed=elapsed,
        site_file_descriptors=sum(map(process_file_descriptors, workers)),
        site_rss_kib=sum(map(process_rss_kib, workers)),
        proxy_client_connections=stack.proxy_client_connections(),
    )


def run_soak(stack: ChaosStack, seconds: float, clients: int, sample_every: float) -> SoakResult:
    """Steady captures for ``seconds``; samples taken every ``sample_every`` seconds, the first
    quarter counted as warm-up (connections opened, caches filled)."""
    path_prefix = "/chaos/soak/"
    stop_at = time.monotonic() + seconds
    result_holder: dict[str, LoadRun] = {}

    def load() -> None:
        # Open-ended: a total too large to reach; the soak ends it by time through the stop flag.
        result_holder["run"] = run_load(stack.site.port, path_prefix, 10**9, clients, stop_when=stop_at)

    loader = threading.Thread(target=load)
    started = time.monotonic()
    loader.start()
    samples = []
    while time.monotonic() < stop_at:
        time.sleep(sample_every)
        samples.append(sample(stack, time.monotonic() - started))
    loader.join()
    run = result_holder["run"]
    return SoakResult(
        seconds=time.monotonic() - started,
        audit=audit(run.captures, stack.stored_bodies(path_prefix)),
        samples=samples,
        warm_up_samples=max(1, len(samples) // 4),
    )
