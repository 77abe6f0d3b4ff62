"""B1 reuse: warm capture invocations with the production CONN_MAX_AGE (600 s) against CONN_MAX_AGE=0.

Two simulated containers, one per setting, take alternating rounds of invocations so drift on this
shared machine hits both alike. Connects are counted twice, independently: by the stand-in (client
connections it accepted during each container's rounds) and by the app (IAM tokens it minted).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.container import ContainerProcess
from bench.distribution import NANOSECONDS_PER_MILLISECOND, Summary, ratio
from bench.sizes import BenchSizes
from bench.stack import BenchStack

PRODUCTION_CONN_MAX_AGE = 600
SETTINGS = {"reuse": PRODUCTION_CONN_MAX_AGE, "fresh": 0}


@dataclass
class ModeResult:
    conn_max_age: int
    samples_ns: list[int] = field(default_factory=list)
    proxy_connects: int = 0
    tokens_minted: int = 0
    failures: int = 0

    @property
    def summary(self) -> Summary:
        return Summary.of_nanoseconds(self.samples_ns)

    @property
    def samples_ms(self) -> list[float]:
        return [sample / NANOSECONDS_PER_MILLISECOND for sample in self.samples_ns]

    def per_thousand(self, count: int) -> float:
        return 1000 * count / len(self.samples_ns) if self.samples_ns else float("nan")


@dataclass
class ReuseResult:
    reuse: ModeResult
    fresh: ModeResult

    @property
    def speedup(self) -> float:
        return ratio(self.fresh.summary.median_ms, self.reuse.summary.median_ms)


def run(stack: BenchStack, generated_settings: str, sizes: BenchSizes) -> ReuseResult:
    modes = {name: ModeResult(conn_max_age) for name, conn_max_age in SETTINGS.items()}
    containers = {
        name: ContainerProcess(stack, generated_settings, f"b1-{name}", conn_max_age)
        for name, conn_max_age in SETTINGS.items()
    }
    try:
        for container in containers.values():
            container.send("capture", count=sizes.warmup_invocations)
        tokens = {name: container.send("counters")["tokens_minted"] for name, container in containers.items()}
        rounds = sizes.reuse_invocations // sizes.round_size
        for number in range(rounds):
            order = list(containers) if number % 2 == 0 else list(reversed(containers))
            for name in order:
                before = stack.proxy.stats()["ClientConnectionsReceived"]
                answer = containers[name].send("capture", count=sizes.round_size)
                after = stack.proxy.stats()["ClientConnectionsReceived"]
                mode = modes[name]
                mode.samples_ns.extend(answer["latencies_ns"])
                mode.failures += answer["failures"]
                mode.proxy_connects += after - before
                mode.tokens_minted += answer["tokens_minted"] - tokens[name]
                tokens[name] = answer["tokens_minted"]
    finally:
        for container in containers.values():
            container.close()
    return ReuseResult(reuse=modes["reuse"], fresh=modes["fresh"])
