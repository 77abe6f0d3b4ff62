"""B2 floor: a warm capture against one raw INSERT of the same row on an open mysqlclient connection.

Both run in the same container process, through the same stand-in with the same connect parameters
(token, TLS, charset), in alternating rounds. Then a batch of captures runs under cProfile to show
where the time above the floor goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.b1_reuse import PRODUCTION_CONN_MAX_AGE
from bench.container import ContainerProcess
from bench.distribution import NANOSECONDS_PER_MILLISECOND, Summary, ratio
from bench.sizes import BenchSizes
from bench.stack import BenchStack


@dataclass
class FloorResult:
    capture_ns: list[int]
    floor_ns: list[int]
    profile: dict[str, Any]
    failures: int

    @property
    def capture(self) -> Summary:
        return Summary.of_nanoseconds(self.capture_ns)

    @property
    def floor(self) -> Summary:
        return Summary.of_nanoseconds(self.floor_ns)

    @property
    def ratio(self) -> float:
        return ratio(self.capture.median_ms, self.floor.median_ms)

    def samples_ms(self, samples: list[int]) -> list[float]:
        return [sample / NANOSECONDS_PER_MILLISECOND for sample in samples]


def run(stack: BenchStack, generated_settings: str, sizes: BenchSizes) -> FloorResult:
    capture_ns: list[int] = []
    floor_ns: list[int] = []
    failures = 0
    with ContainerProcess(stack, generated_settings, "b2-floor", PRODUCTION_CONN_MAX_AGE) as container:
        container.send("capture", count=sizes.warmup_invocations)
        container.send("floor_open")
        container.send("floor", count=sizes.warmup_invocations)
        for _ in range(sizes.floor_samples // sizes.round_size):
            answer = container.send("capture", count=sizes.round_size)
            capture_ns.extend(answer["latencies_ns"])
            failures += answer["failures"]
            floor_ns.extend(container.send("floor", count=sizes.round_size)["latencies_ns"])
        profile = container.send("profile", count=sizes.profiled_invocations)
    return FloorResult(capture_ns, floor_ns, profile, failures)
