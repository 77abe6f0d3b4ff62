"""B4 growth: the hits page (/_/) and API (/_/api/hits), unfiltered and filtered, at growing table
sizes, side by side with the JSON capture ack, all through the handler.

Each size has its own database (same MariaDB, same stand-in) and its own warm container signed in as
staff (production requires a login), so all sizes are measured in alternating rounds rather than one
after another: a noisy minute on this shared machine then lands on every size alike. Within a round
every endpoint runs in turn, the ack included, so the page/ack ratio compares like with like. The
captures a round adds are deleted after it (outside the timing), so each table keeps its size.

Filters target the seeder's 1% "rare" population (bench/seed_hits.py), the hard case for a keyset
page: 51 matches are spread over ~5,100 rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bench.b1_reuse import PRODUCTION_CONN_MAX_AGE
from bench.container import ContainerProcess
from bench.distribution import Summary, ratio
from bench.seed_hits import RARE_EVENT, RARE_METHOD, RARE_PATH, SEED_EPOCH, seed_hits
from bench.sizes import BenchSizes
from bench.stack import BenchStack, create_site_database

PAGE_PATH = "/_/"
API_PATH = "/_/api/hits"
ACK = "ack"
WARMUP_REQUESTS = 5
TIME_WINDOW = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    query: str = ""


def time_window(rows: int) -> str:
    """An hour in the middle of the seeded range (received_at grows one second per row)."""
    start = SEED_EPOCH + dt.timedelta(seconds=rows // 2)
    return f"since={start:%Y-%m-%dT%H:%M:%S}Z&until={start + TIME_WINDOW:%Y-%m-%dT%H:%M:%S}Z"


def endpoints(rows: int) -> list[Endpoint]:
    """Unfiltered page and API first (named "page" and "api"), then one filter of each kind."""
    return [
        Endpoint("page", PAGE_PATH),
        Endpoint("api", API_PATH),
        Endpoint(f"page ?method={RARE_METHOD}", PAGE_PATH, f"method={RARE_METHOD}"),
        Endpoint(f"api ?method={RARE_METHOD}", API_PATH, f"method={RARE_METHOD}"),
        Endpoint("api ?path=(rare prefix)", API_PATH, f"path={RARE_PATH}/"),
        Endpoint("api ?content_type=text/plain", API_PATH, "content_type=text/plain"),
        Endpoint(
            f"api ?header=X-GitHub-Event&header_value={RARE_EVENT}",
            API_PATH,
            f"header=X-GitHub-Event&header_value={RARE_EVENT}",
        ),
        Endpoint("api ?since=…&until=… (1 hour)", API_PATH, time_window(rows)),
        Endpoint("api ?q=needle (body search)", API_PATH, "q=needle-in-the-body"),
    ]


ENDPOINT_NAMES = [endpoint.name for endpoint in endpoints(0)]
FILTERED_NAMES = ENDPOINT_NAMES[2:]


@dataclass
class SizeResult:
    rows: int
    samples_ns: dict[str, list[int]] = field(
        default_factory=lambda: {name: [] for name in [ACK, *ENDPOINT_NAMES]}
    )
    failures: int = 0

    def summary(self, endpoint: str) -> Summary:
        return Summary.of_nanoseconds(self.samples_ns[endpoint])

    def over_ack(self, endpoint: str) -> float:
        """p50 of ``endpoint`` over p50 of the capture ack, measured in the same rounds."""
        return ratio(self.summary(endpoint).median_ms, self.summary(ACK).median_ms)


@dataclass
class GrowthResult:
    sizes: list[SizeResult]

    def flatness(self, endpoint: str) -> float:
        """p50 at the largest size over p50 at the smallest."""
        return ratio(self.sizes[-1].summary(endpoint).median_ms, self.sizes[0].summary(endpoint).median_ms)


def database_name(rows: int) -> str:
    return f"webhook_site_{rows}_rows"


def remove_captures(stack: BenchStack, rows: int) -> None:
    """Delete the hits the ack measurements added (ids above the seeded ones), keys first."""
    database = database_name(rows)
    stack.server.execute(
        f"DELETE FROM `{database}`.hits_hitheader WHERE hit_id > {rows}",
        f"DELETE FROM `{database}`.hits_hit WHERE id > {rows}",
    )


def measure_round(
    container: ContainerProcess, cookie: str, rows: int, count: int, result: SizeResult
) -> None:
    answer = container.send("capture", count=count)
    result.samples_ns[ACK].extend(answer["latencies_ns"])
    result.failures += answer["failures"]
    for endpoint in endpoints(rows):
        answer = container.send("get", path=endpoint.path, query=endpoint.query, count=count, cookie=cookie)
        result.samples_ns[endpoint.name].extend(answer["latencies_ns"])
        result.failures += answer["failures"]


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
            measure_round(containers[rows], cookies[rows], rows, WARMUP_REQUESTS, SizeResult(rows))
            remove_captures(stack, rows)
        round_size = max(1, min(sizes.round_size, sizes.growth_requests) // 5)
        for number in range(max(1, sizes.growth_requests // round_size)):
            shift = number % len(sizes.growth_rows)  # rotate which size goes first
            order = sizes.growth_rows[shift:] + sizes.growth_rows[:shift]
            for rows in order:
                measure_round(containers[rows], cookies[rows], rows, round_size, results[rows])
                remove_captures(stack, rows)
    finally:
        for container in containers.values():
            container.close()
    return GrowthResult([results[rows] for rows in sizes.growth_rows])
