"""docs/benchmarks.md from one run's results: targets first, then a section per benchmark."""

from __future__ import annotations

from pathlib import Path

from bench.b1_reuse import ModeResult
from bench.b3_fanin import FanInResult
from bench.b4_growth import ACK, FILTERED_NAMES
from bench.cold_start_report import cold_start_caveats, cold_start_gap, cold_start_section
from bench.distribution import TIMES, ratio
from bench.events import WEBHOOK_BODY
from bench.markdown import image, table
from bench.results import BenchResults, cold_start_fully_met, reuse_connects_per_thousand, target_checks
from bench.seed_hits import RARE_EVERY

SECTIONS = (
    "## Machine",
    "## Targets",
    "## B1 reuse",
    "## B2 floor",
    "## B3 fan-in",
    "## B4 growth",
    "## B5 cold start",
    "## Method and caveats",
)

REUSE_COLUMNS = [
    "setting",
    "invocations",
    "median ms",
    "p95 ms",
    "connects / 1,000 (stand-in)",
    "tokens / 1,000 (app)",
    "non-200",
]
FUNCTION_COLUMNS = ["function", "layer", "calls / capture", "own µs / capture", "cumulative µs / capture"]
FANIN_COLUMNS = [
    "path",
    "clients",
    "connected",
    "errors (code: count)",
    "peak DB sessions",
    "connect p50 ms",
    "connect p95 ms",
    "INSERTs done",
    "INSERTs/s",
]


def ms(value: float) -> str:
    return f"{value:.2f}"


def header(results: BenchResults) -> str:
    mode = results.sizes.name
    note = (
        ""
        if mode == "full"
        else f"\n> **{mode} run**: smaller counts, smoke-test figures only; the committed doc is a full run\n"
    )
    total = sum(results.seconds.values())
    steps = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in results.seconds.items())
    return f"""# Benchmarks

What the production design (Zappa's handler → Django → RDS Proxy with IAM tokens and TLS → MySQL,
with `CONN_MAX_AGE`) buys, measured on the real path: Zappa's own `LambdaHandler` with the
`production` stage's settings, the `mysql_iam` backend, the RDS Proxy stand-in (`local_rds_proxy`, in
its own process) and MariaDB. Every figure is a ratio or a distribution from **one run**, the
compared cases measured side by side in alternating rounds.
{note}
Regenerate with `make bench` (full, this file and `docs/benchmarks/*.png`, under 15 minutes) or
`make bench-quick` (CI smoke size, written under `var/bench-quick/`). Mode **{mode}**, started
{results.started_at}, took {total:.0f} s ({steps}).
"""


def machine_section(results: BenchResults) -> str:
    rows = [[name, value] for name, value in results.machine.items()]
    return (
        "## Machine\n\n"
        + table(["", ""], rows)
        + (
            "\n\nThe load generators, the stand-in (Python, one event loop), MariaDB and the measured "
            "process all share these cores, so absolute times are this machine's; the ratios are the point.\n"
        )
    )


def targets_section(results: BenchResults) -> str:
    rows = [
        [
            check.benchmark,
            check.target,
            check.measured,
            ("met" if check.met else f"**missed** ({check.shortfall})")
            + (f"; {check.note}" if check.note else ""),
        ]
        for check in target_checks(results)
    ]
    return "## Targets\n\n" + table(["benchmark", "target", "measured", "verdict"], rows) + "\n"


def health_check_ping_ms(results: BenchResults) -> float:
    functions = results.floor.profile["top_functions"]
    pings = [entry["own_us_per_invocation"] for entry in functions if "'ping'" in entry["function"]]
    return pings[0] / 1000 if pings else 0.0


def reuse_gap(results: BenchResults) -> str:
    reuse, fresh = results.reuse.reuse.summary.median_ms, results.reuse.fresh.summary.median_ms
    ping = health_check_ping_ms(results)
    return (
        f"- **B1 reuse** ({results.reuse.speedup:.2f}{TIMES}): a new connection costs "
        f"{fresh - reuse:.2f} ms here because the stand-in is on loopback (see B1). The warm path is "
        f"{reuse:.2f} ms, of which Django's `CONN_HEALTH_CHECKS` ping is ~{ping:.2f} ms (B2 profile); "
        f"without the ping the ratio would be {fresh / (reuse - ping):.2f}{TIMES}. The ratio is a "
        "property of where the proxy is: in a VPC each round trip of the connect crosses the network."
    )


def gaps_section(results: BenchResults) -> str:
    """For each missed target: the measured parts that explain it, and what removing them would give."""
    missed = [check.benchmark for check in target_checks(results) if not check.met]
    parts = []
    if any(benchmark.startswith("B1 reuse: median") for benchmark in missed):
        parts.append(reuse_gap(results))
    if not cold_start_fully_met(results):
        parts.append(cold_start_gap(results))
    if not parts:
        return ""
    return "## What the missed targets would need\n\n" + "\n".join(parts) + "\n"


def mode_row(label: str, mode: ModeResult) -> list[str]:
    summary = mode.summary
    return [
        label,
        f"{summary.count:,}",
        ms(summary.median_ms),
        ms(summary.p95_ms),
        f"{mode.per_thousand(mode.proxy_connects):.1f}",
        f"{mode.per_thousand(mode.tokens_minted):.1f}",
        str(mode.failures),
    ]


def reuse_section(results: BenchResults, plot: Path, document: Path) -> str:
    reuse = results.reuse
    rows = [
        mode_row("`CONN_MAX_AGE=600` (production)", reuse.reuse),
        mode_row("`CONN_MAX_AGE=0`", reuse.fresh),
    ]
    extra = reuse.fresh.summary.median_ms - reuse.reuse.summary.median_ms
    return f"""## B1 reuse

Warm `POST /hooks/bench` captures (REST API v1 events, a {len(WEBHOOK_BODY)}-byte JSON
webhook) through two simulated containers, one per setting, in alternating rounds of
{results.sizes.round_size}. Connects are counted twice, independently: by the stand-in
(`ClientConnectionsReceived` during that container's rounds) and by the app
(`webhook_site.db.iam_auth.tokens_minted`).

{table(REUSE_COLUMNS, rows)}

**Median speed-up: {reuse.speedup:.2f}{TIMES}** ({ms(extra)} ms saved per invocation). Connects per 1,000 warm
invocations with the production setting: **{reuse_connects_per_thousand(reuse):.2f}**.
A new connection costs an IAM token (local SigV4 signing), a TCP connect, a TLS 1.3 handshake with
the stand-in, its token check and login (which borrows a pooled backend once), the session's
`SET NAMES`/autocommit, and the connection is closed at the end of the request; with
`CONN_MAX_AGE=600` a warm container pays none of it and only sends Django's health-check ping once per
request.

Here the stand-in is on loopback, where a round trip costs tens of µs, so the new connection's
round trips (TCP, TLS 1.3, greeting, auth switch, OK) are nearly free and what remains is CPU
(handshake crypto on both sides of one 2-core machine, token signing and checking). In a VPC every
one of those round trips crosses the network to RDS Proxy, which also checks the token with IAM, so
the saving per invocation there should be larger than measured here, not smaller (not measured:
no AWS from this machine).

{image("B1 latency distributions", plot, document)}
"""


def floor_section(results: BenchResults, plot: Path, document: Path) -> str:
    floor = results.floor
    rows = [
        [
            "warm capture (handler → Django → INSERT)",
            f"{floor.capture.count:,}",
            ms(floor.capture.median_ms),
            ms(floor.capture.p95_ms),
        ],
        [
            "floor: the same rows, raw (one transaction)",
            f"{floor.floor.count:,}",
            ms(floor.floor.median_ms),
            ms(floor.floor.p95_ms),
        ],
    ]
    profile = floor.profile
    layer_rows = [
        [layer["layer"], f"{layer['share'] * 100:.0f} %", f"{layer['ms_per_invocation']:.3f}"]
        for layer in profile["layers"]
    ]
    function_rows = [
        [
            f"`{entry['function']}`",
            entry["layer"],
            f"{entry['calls_per_invocation']:.0f}",
            f"{entry['own_us_per_invocation']:.0f}",
            f"{entry['cumulative_us_per_invocation']:.0f}",
        ]
        for entry in profile["top_functions"]
    ]
    return f"""## B2 floor

The floor stores what a capture stores (the hit's row and its search keys' rows in `hits_hitheader`,
same columns and values) the least way the database allows: `START TRANSACTION`, two `INSERT`s,
`COMMIT`, on a mysqlclient connection already open through the same stand-in with the app's own
connect parameters (IAM token, TLS `VERIFY_IDENTITY`, utf8mb4, autocommit). Captures and floor
transactions alternate in rounds inside the same container process.

{table(["", "samples", "median ms", "p95 ms"], rows)}

**Capture / floor (medians): {floor.ratio:.2f}{TIMES}.** The floor's four round trips through the stand-in
are most of its time; the capture adds two more (Django's `CONN_HEALTH_CHECKS` ping at the start of
each request, and `transaction.atomic`'s `SET autocommit=0`/`=1` in place of `START TRANSACTION`) and
the Python of three layers.

Where the time goes: {profile["invocations"]:,} warm captures under cProfile (which inflates
Python-heavy code, so read shares, not absolute times; {profile["total_ms_per_invocation"]:.2f} ms per
capture under the profiler). Own time per layer:

{table(["layer", "share", "ms per capture"], layer_rows)}

Functions with the most own time:

{table(FUNCTION_COLUMNS, function_rows)}

{image("B2 capture vs floor and profile", plot, document)}
"""


def stand_in_notes(fanin: FanInResult) -> str:
    """The stand-in's own counters for every proxy run that had errors: which check refused whom."""
    notes = [
        f"- {run.clients} clients through the stand-in: "
        + ", ".join(f"`{k}` {v}" for k, v in run.stand_in.items())
        for run in fanin.runs
        if run.path == "proxy" and run.error_count
    ]
    return "Stand-in counters for the runs with errors:\n\n" + "\n".join(notes) + "\n\n" if notes else ""


def fanin_section(results: BenchResults, plot: Path, document: Path) -> str:
    fanin = results.fanin
    rows = []
    for run in fanin.runs:
        errors = ", ".join(f"{code}: {count}" for code, count in sorted(run.errors.items())) or "0"
        rows.append(
            [
                "stand-in (pool 50)" if run.path == "proxy" else "direct",
                str(run.clients),
                str(run.connected),
                errors,
                str(run.peak_database_sessions),
                ms(run.connect.median_ms),
                ms(run.connect.p95_ms),
                f"{run.inserts:,}",
                f"{run.inserts_per_second:,.0f}",
            ]
        )
    return f"""## B3 fan-in

N simultaneous simulated warm containers (threads in one load process, each with its own
connection) log in at once, **all hold their connection open together** (as warm Lambda containers
with `CONN_MAX_AGE` do), run {results.sizes.fanin_inserts} autocommit `INSERT`s each, then close
together. The same MariaDB runs with `max_connections={fanin.max_connections}`; the load goes once
through a stand-in with a pool of {fanin.pool_size} (IAM token + TLS, tokens minted per container before
the start) and once straight to MariaDB (password, no TLS). A sampler counts the app user's sessions
in `information_schema.PROCESSLIST` every ~2 ms throughout (its own root session may take one of the
{fanin.max_connections} slots, or the one extra MariaDB keeps for SUPER users). Client timeouts are
the app's (connect 5 s, read/write 20 s).

{table(FANIN_COLUMNS, rows)}

{stand_in_notes(fanin)}Error 1040 is MariaDB's "Too many connections": without the proxy every
container beyond the limit fails at login, and every warm container holds a server thread; through
the stand-in the database never sees more than the pool, whatever the number of containers.
Logging in through the stand-in is slower under a burst (its TLS handshakes run on one Python event
loop), which is the price of the protection here, not a property of RDS Proxy.

{image("B3 fan-in", plot, document)}
"""


PAGE_ROWS = 50
GROWTH_COLUMNS = [
    "rows",
    "ack p50 ms",
    "page p50 ms",
    "page p95 ms",
    "API p50 ms",
    "API p95 ms",
    "page / ack (p50)",
    "non-200",
]


def growth_section(results: BenchResults, plot: Path, document: Path) -> str:
    growth = results.growth
    rows = []
    for size in growth.sizes:
        ack, page, api = size.summary(ACK), size.summary("page"), size.summary("api")
        rows.append(
            [
                f"{size.rows:,}",
                ms(ack.median_ms),
                ms(page.median_ms),
                ms(page.p95_ms),
                ms(api.median_ms),
                ms(api.p95_ms),
                f"{size.over_ack('page'):.2f}{TIMES}",
                str(size.failures),
            ]
        )
    filtered = [
        [
            f"`{name}`",
            *(
                f"{ms(size.summary(name).median_ms)} ({size.over_ack(name):.1f}{TIMES})"
                for size in growth.sizes
            ),
        ]
        for name in FILTERED_NAMES
    ]
    smallest, largest = growth.sizes[0].rows, growth.sizes[-1].rows
    page_ratio, api_ratio = growth.flatness("page"), growth.flatness("api")
    # At a size where a 1% filter has fewer than a page of matches, its page is nearly empty and
    # cheaper to render: growth is read from the first size with a full page of matches.
    full = next((size for size in growth.sizes if size.rows // RARE_EVERY > PAGE_ROWS), growth.sizes[-1])
    filtered_growth = {
        name: ratio(growth.sizes[-1].summary(name).median_ms, full.summary(name).median_ms)
        for name in FILTERED_NAMES
    }
    worst = max(filtered_growth, key=lambda name: filtered_growth[name])
    return f"""## B4 growth

The hits page (`GET /_/`, HTML, 50 newest hits) and the API (`GET /_/api/hits`) through the handler,
signed in as staff (production sets `HITS_REQUIRE_LOGIN`), with `hits_hit` holding each size, and in
the same rounds the JSON capture ack (`POST`, a webhook delivery, `200 {{"id": …}}`) on the same
container and database. Each size has its own database on the same MariaDB (seeded with
`INSERT … SELECT` from MariaDB's SEQUENCE engine, 50,000 rows per statement, search keys included; 1%
of rows are a "rare" delivery for the filters to find) and its own warm container; sizes alternate in
rounds, and the hits each round's acks add are deleted after it.

{table(GROWTH_COLUMNS, rows)}

p50 at {largest:,} rows / at {smallest:,}: **page {page_ratio:.2f}{TIMES}, API {api_ratio:.2f}{TIMES}**.
Both are keyset pages (`ORDER BY id DESC LIMIT 51`, no `COUNT(*)`, no `OFFSET`), served from the
primary key whatever the table size. The page/ack target is ≤ 2{TIMES}.

**Filtered** (p50 ms, and in brackets over the ack's p50 at that size). Each filter finds the 1%
population, so a page of 50 matches lies among ~5,000 rows; body search (`q`) reads only the newest
5,000 hits' bodies (`HITS_BODY_SEARCH_LIMIT`), so it is bounded, not indexed:

{table(["filter", *(f"{size.rows:,} rows" for size in growth.sizes)], filtered)}

The largest growth among the filters from {full.rows:,} rows (the first size where the 1% population
fills a page; at {smallest:,} rows a filter matches one hit) to {largest:,}: `{worst}`,
{filtered_growth[worst]:.2f}{TIMES}.

{image("B4 growth", plot, document)}
"""


def method_section(results: BenchResults) -> str:
    sizes = results.sizes
    return f"""## Method and caveats

- Sizes ({sizes.name}): B1 {sizes.reuse_invocations:,} invocations per setting after
  {sizes.warmup_invocations} warm-up; B2 {sizes.floor_samples:,} of each plus
  {sizes.profiled_invocations} profiled; B3 {", ".join(map(str, sizes.fanin_clients))} clients {TIMES}
  {sizes.fanin_inserts} `INSERT`s; B4 {", ".join(f"{rows:,}" for rows in sizes.growth_rows)} rows,
  {sizes.growth_requests} requests per endpoint and size; B5 {sizes.cold_starts} cold starts per app
  ({sizes.cold_starts_without_bytecode} without bytecode), {sizes.import_profiles} profiled starts per
  app, {sizes.secret_reads} timed secret-key reads.
- B1-B4 latencies are taken inside the container process around `LambdaHandler.handler(event,
  context)`, so they include Zappa's event translation but not Lambda's own invoke overhead or network.
{cold_start_caveats(results)}
- The stand-in is a Python relay: each proxied statement costs it a few hundred µs that real RDS
  Proxy would not add, which makes B1's and B2's denominators (warm path, floor) look relatively
  worse and the TLS/login cost of B1's fresh connections roughly comparable to real RDS Proxy's
  (a TLS handshake plus token check).
- The machine is shared (other jobs may run during a run); alternating rounds keep the compared
  cases under the same conditions, which is why only ratios and distributions are reported.
- Seeding (B4) and set-up (users, migrations) run as on a deployment: `bootstrap_db_users` with a
  master login, then `manage.py migrate` as the admin user through the stand-in.
"""


def render(results: BenchResults, plots: dict[str, Path], document: Path) -> str:
    parts = [
        header(results),
        machine_section(results),
        targets_section(results),
        gaps_section(results),
        reuse_section(results, plots["b1"], document),
        floor_section(results, plots["b2"], document),
        fanin_section(results, plots["b3"], document),
        growth_section(results, plots["b4"], document),
        cold_start_section(results, plots["b5"], document),
        method_section(results),
    ]
    return "\n".join(parts)
