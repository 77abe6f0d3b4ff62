"""B4 growth: the hits page (/_/) and API (/_/api/hits) at growing table sizes, through the handler.

Each size has its own database (same MariaDB, same stand-in) and its own warm container signed in as
staff (production requires a login), so all sizes are measured in alternating rounds rather than one
after another: a noisy minute on this shared machine then lands on every size alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.b1_reuse import PRODUCTION_CONN_MAX_AGE
from bench.container import ContainerProcess
from bench.distribution import Summary, ratio
from bench.seed_hits import seed_hits
from bench.sizes import BenchSizes
from bench.stack import BenchStack, create_site_database

PAGE_PATH = "/_/"
API_PATH = "/_/api/hits"
ENDPOINTS = {"page": PAGE_PATH, "api": API_PATH}
WARMUP_REQUESTS = 5


@dataclass
class SizeResult:
    rows: int
    samples_ns: dict[str, list[int]] = field(default_factory=lambda: {name: [] for name in ENDPOINTS})
    failures: int = 0

    def summary(self, endpoint: str) -> Summary:
        return Summary.of_nanoseconds(self.samples_ns[endpoint])


@dataclass
class GrowthResult:
    sizes: list[SizeResult]

    def flatness(self, endpoint: str) -> float:
        """p50 at the largest size over p50 at the smallest."""
        return ratio(self.sizes[-1].summary(endpoint).median_ms, self.sizes[0].summary(endpoint).median_ms)


def database_name(rows: int) -> str:
    return f"webhook_site_{rows}_rows"


def run(stack: BenchStack, generated_settings: str, sizes: BenchSizes) -> GrowthResult:
    results = {rows: SizeResult(rows) for rows in sizes.growth_rows}
    containers: dict[int, ContainerProcess] = {}
    cookies: dict[int, str] = {}
    try:
        for rows in sizes.growth_rows:
            create_site_database(stack, database_name(rows))
            seed_hits(stack.server, database_name(rows), 0, rows)
            containers[rows] = ContainerProcess(
                stack, generated_settings, f"b4-{rows}", PRODUCTION_CONN_MAX_AGE, database_name(rows)
            )
            cookies[rows] = containers[rows].send("login_staff")["cookie"]
            for path in ENDPOINTS.values():
                containers[rows].send("get", path=path, count=WARMUP_REQUESTS, cookie=cookies[rows])
        round_size = max(1, min(sizes.round_size, sizes.growth_requests) // 5)
        for number in range(max(1, sizes.growth_requests // round_size)):
            shift = number % len(sizes.growth_rows)  # rotate which size goes first
            order = sizes.growth_rows[shift:] + sizes.growth_rows[:shift]
            for rows in order:
                for name, path in ENDPOINTS.items():
                    answer = containers[rows].send("get", path=path, count=round_size, cookie=cookies[rows])
                    results[rows].samples_ns[name].extend(answer["latencies_ns"])
                    results[rows].failures += answer["failures"]
    finally:
        for container in containers.values():
            container.close()
    return GrowthResult([results[rows] for rows in sizes.growth_rows])
