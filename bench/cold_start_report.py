"""docs/benchmarks.md's B5 section, and B5's entry under "What the missed targets would need"."""

from __future__ import annotations

from pathlib import Path

from bench.b5_cold_start import ColdStartResult
from bench.cold_start_apps import BARE, SITE, SITE_WITHOUT_BYTECODE
from bench.distribution import TIMES, percentile
from bench.lambda_function import INTERPRETER_FLAGS
from bench.markdown import image, table
from bench.results import COLD_START_RATIO_TARGET, COLD_START_STRETCH_TARGET, BenchResults

TOP_IMPORT_GROUPS = 15
PHASE_COLUMNS = ["app", "starts", "init ms", "first invocation ms", "first response ms", "range ms", "CPU ms"]
LABELS = {
    SITE: "webhook_site (production zip)",
    BARE: "bare Django (same packaging)",
    SITE_WITHOUT_BYTECODE: "webhook_site zip without .pyc",
}


def ms(value: float) -> str:
    return f"{value:,.0f}"


def phase_rows(cold: ColdStartResult) -> list[list[str]]:
    rows = []
    for app, starts in cold.starts.items():
        responses = [start.first_response_ms for start in starts]
        rows.append(
            [
                LABELS[app],
                str(len(starts)),
                ms(cold.median(app, "init_ms")),
                ms(cold.median(app, "first_invocation_ms")),
                f"**{ms(cold.median(app))}**",
                f"{ms(min(responses))} to {ms(max(responses))}",
                ms(cold.median(app, "cpu_ms")),
            ]
        )
    return rows


def import_rows(cold: ColdStartResult) -> list[list[str]]:
    site, bare = cold.import_groups(SITE), cold.import_groups(BARE)
    ranked = sorted(site.values(), key=lambda group: group.own_ms, reverse=True)[:TOP_IMPORT_GROUPS]
    rows = []
    for group in ranked:
        in_bare = bare.get(group.name)
        rows.append(
            [
                f"`{group.name}`",
                str(group.modules),
                f"{group.own_ms:.1f}",
                f"{in_bare.own_ms:.1f}" if in_bare else "—",
            ]
        )
    return rows


def paired_sentence(cold: ColdStartResult) -> str:
    """The spread of the ratio, from each round's pair of starts (a check on the ratio of medians)."""
    ratios = cold.paired_ratios()
    low, median, high = (percentile(ratios, fraction) for fraction in (0.25, 0.5, 0.75))
    return (
        f"Round by round (the site's start over the bare app's in the same round), the ratio's median is "
        f"{median:.2f}{TIMES} and its middle half {low:.2f}{TIMES} to {high:.2f}{TIMES}. In CPU time of the "
        "function's process (the last column: it leaves out the time other jobs on this shared machine "
        "hold the cores, though not their effect on caches), the site takes "
        f"{cold.cpu_ratio:.2f}{TIMES} the bare app's."
    )


def bytecode_paragraph(cold: ColdStartResult) -> str:
    if SITE_WITHOUT_BYTECODE not in cold.starts:
        return ""
    stripped, site = cold.median(SITE_WITHOUT_BYTECODE), cold.median(SITE)
    return f"""
**What the bytecode step buys.** The same zip with every `.pyc` removed (`lambda_artifact.bytecode.
strip_bytecode`: every module compiled at every start, as before the step, when the venv's timestamp
`.pyc` files were all stale on Lambda and our own code had none), {len(cold.starts[SITE_WITHOUT_BYTECODE])}
starts in the same rounds: first response {ms(stripped)} ms (init {
        ms(cold.median(SITE_WITHOUT_BYTECODE, "init_ms"))
    } ms) against {ms(site)} ms with the shipped bytecode: **{cold.bytecode_speedup:.1f}{TIMES},
{ms(stripped - site)} ms saved at every cold start.**
"""


def secret_paragraph(cold: ColdStartResult) -> str:
    site, read = cold.median(SITE), cold.secret_read_ms
    return f"""
**Not in the timed starts: the secret key.** The production stage reads Django's secret key from
Secrets Manager while settings load, at every cold start (`webhook_site/secret_key.py`). The timed
starts get the key in their environment instead, as the other benchmarks do. Timed separately inside
{len(cold.secret_reads_ms)} started site functions, against a local endpoint that answers
`GetSecretValue` (`bench/secrets_manager_stub.py`, plain HTTP on loopback): **{read:.0f} ms** median
(boto3 building its Secrets Manager client, signing, one call). On AWS the call also crosses the VPC to
an interface endpoint over TLS. With the read added, the site's first response would be ~{ms(site + read)}
ms, {cold.ratio_with_secret_read:.2f}{TIMES} the bare app.
"""


def cold_start_section(results: BenchResults, plot: Path, document: Path) -> str:
    cold = results.cold_start
    site, bare = cold.median(SITE), cold.median(BARE)
    packages = cold.packages
    only_site_modules, only_site_ms = cold.imports_only_in(SITE, BARE)
    flags = " ".join(INTERPRETER_FLAGS)
    return f"""## B5 cold start

Both apps start from their built zip, the way Lambda starts a python3.12 function. The zips come out
of the project's build (`lambda_artifact.build`: packaging venv, `zappa package`, unchecked-hash
bytecode for every module), are unpacked with `lambda_artifact.task_root` (the zip's 1980 dates kept)
and left alone (nothing written there during the runs, checked by fingerprint), and run by the
packaging venv's Python 3.12 as `python3.12 {flags}` (no bytecode written; nothing importable but the
zip, the runtime directory and the standard library, checked after the run). Lambda's own runtime
interface client, `awslambdaric` 4.2.2, is installed into a directory standing in for /var/runtime and
started as the runtime's bootstrap starts it, with the environment Lambda sets; it talks to a local
Runtime API (`bench/lambda_runtime_api.py`). The site's zip has its stage variables filled in for the
bench stack (database through the RDS Proxy stand-in with IAM auth and TLS) and its settings module's
`.pyc` rebuilt as the build makes it. Each start: spawn, the runtime imports Zappa's handler and asks
for an event (end of init), the first event is a webhook capture (the bare app: a `GET`), timed until
the Runtime API receives the response, which must be a 200 (and the hit must be in the database).
{len(cold.starts[SITE])} starts of each, alternating, after one discarded start of each.

{table(PHASE_COLUMNS, phase_rows(cold))}

**Medians: {ms(site)} ms vs {ms(bare)} ms, {cold.ratio:.2f}{TIMES}.** {paired_sentence(cold)} Init runs
from spawn to the runtime's first `GET /next`: Python, `awslambdaric`, the import of Zappa's
`handler.py` (boto3, werkzeug and asyncio with it) and, because the production function sets
`INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT` (so that a SnapStart snapshot holds a set-up app), Zappa's
`LambdaHandler()`: stage variables, Django settings and setup, middleware. Both apps start that way.
The first invocation is then the request itself: URL resolution, the view, and for the site the first
database connection and the INSERT.

**The bare app** (`bench/bare_app`) is a Zappa project of its own — Django settings with no apps, no
middleware and no database, and one view answering `{{"hello": "world"}}` — packaged from the same
packaging venv by the same steps ({packages[BARE].files:,} files in {packages[BARE].megabytes:.1f} MiB
against the site's {packages[SITE].files:,} in {packages[SITE].megabytes:.1f} MiB: the same libraries)
and started the same way. So it pays what every Django app behind Zappa pays: Python start-up, the
runtime client, Zappa's handler, Django's import and setup, URL resolution, a response; it loaded
{packages[BARE].modules_loaded} modules by its first response. It leaves out what this app adds: the
contrib apps (admin, auth, contenttypes, sessions, messages, staticfiles) and ours (hits, db_roles)
with their models, the middleware stack with WhiteNoise, the URLconf with the admin, the
database backend and driver (`mysql_iam`, MySQLdb), the first connection (IAM token, TLS, proxy login)
and the `INSERT`: the site loaded {packages[SITE].modules_loaded} modules.
{bytecode_paragraph(cold)}{secret_paragraph(cold)}
**Import profile** of the site's start from its zip (`python -X importtime`, median per module over
{cold.import_profiles} starts of each app, own time summed per group; importtime's overhead inflates
every figure, so read them against each other). Total {cold.import_total_ms(SITE):,.0f} ms for the site,
{cold.import_total_ms(BARE):,.0f} ms for the bare app; the {only_site_modules} modules only the site
imports take {only_site_ms:.0f} ms of it. The groups both apps import are the same modules, so where
their figures differ, that difference is this run's noise.

{table(["group", "modules (site)", "site ms", "bare ms"], import_rows(cold))}

Both apps import boto3, botocore, urllib3, s3transfer, werkzeug and asyncio through Zappa's
`handler.py` (`zappa.utilities` imports boto3 at module level), and most of Django through
`django.core.wsgi`, whatever the app.

{image("B5 cold start", plot, document)}
"""


def cold_start_gap(results: BenchResults) -> str:
    """B5's bullet for the missed-targets section: how far off, and what the measured parts would give."""
    cold = results.cold_start
    site, bare, read = cold.median(SITE), cold.median(BARE), cold.secret_read_ms
    target, stretch = f"{COLD_START_RATIO_TARGET}{TIMES}", f"{COLD_START_STRETCH_TARGET}{TIMES}"
    to_target, to_stretch = site - COLD_START_RATIO_TARGET * bare, site - COLD_START_STRETCH_TARGET * bare
    faster = "needs the site's first response"
    if to_target > 0:
        distance = f"{target} {faster} {to_target:.0f} ms faster ({to_stretch:.0f} ms for {stretch})"
    else:
        distance = f"{target} is met; the stretch {stretch} {faster} {to_stretch:.0f} ms faster"
    extra_init = cold.median(SITE, "init_ms") - cold.median(BARE, "init_ms")
    extra_invocation = cold.median(SITE, "first_invocation_ms") - cold.median(BARE, "first_invocation_ms")
    new_connection = results.reuse.fresh.summary.median_ms - results.reuse.reuse.summary.median_ms
    only_site_modules, only_site_ms = cold.imports_only_in(SITE, BARE)
    return (
        f"- **B5 cold start** ({cold.ratio:.2f}{TIMES}): {distance}. Init runs the same code in both "
        f"apps (Python, the runtime client, Zappa's handler with boto3: {extra_init:+.0f} ms between the "
        "medians); "
        f"the site's first invocation takes {extra_invocation:.0f} ms more than the bare app's. In it, the "
        f"{only_site_modules} modules only the site imports (Django's contrib apps and their models, the "
        f"admin URLconf, the MySQL backend and driver, ours) take {only_site_ms:.0f} ms under importtime, a "
        f"new database connection ~{new_connection:.0f} ms (B1, warm), and the rest is Django setting those "
        "apps up (registry, models, middleware, URL resolution). Each contrib app serves a feature (the "
        "admin, sign-in, sessions, static files), so none can go without changing the product. The "
        f"production stage adds its secret-key read, {read:.0f} ms measured apart "
        f"({cold.ratio_with_secret_read:.2f}{TIMES} with it): the largest single part measured here, and "
        "one a capture never uses (only signed cookies and the admin need the key). Reading it on first "
        "use would take it out of most cold starts, but would move a Secrets Manager failure from "
        "start-up to the first sign-in. Production needs neither: it runs Lambda SnapStart (Zappa's "
        "`snap_start`; docs/deploy.md §8a), whose snapshot is taken after init, so the key read, the "
        "imports and Django's setup are all done once per published version, not per cold start; "
        "zappa 0.63 points API Gateway at the `snapstart` alias (checked by the deploy rehearsal). "
        "What a restore costs instead is only measurable on AWS."
    )


def cold_start_caveats(results: BenchResults) -> str:
    """What B5's local Runtime API does and does not model, as bullets for "Method and caveats"."""
    steps = ", ".join(
        f"{name.removeprefix('B5 ')} {seconds:.0f} s"
        for name, seconds in results.cold_start.step_seconds.items()
    )
    return f"""- B5 runs the real runtime interface client against a Runtime API of our own, so the runtime's
  protocol, the handler lookup, Zappa's event handling and the response path are Lambda's. Not
  modelled: the sandbox (a Firecracker microVM with its own kernel and file systems); fetching the
  code onto the host (here a discarded first start puts each unpacked tree in the page cache, the
  trees sit on a RAM disk when the machine has one, and a real cold start may still be loading
  code); the CPU a function gets (in proportion to memory, one vCPU at 1,769 MB, so less at the
  stage's 1,024 MB; here each start may take a core of a shared 2-core machine) and any extra CPU
  Lambda gives the init phase; Lambda's own invoke path and network (the Runtime API, the proxy and
  the secret endpoint are all on loopback); the runtime image's own CPython build (here this
  machine's 3.12) and its /var/runtime (here awslambdaric 4.2.2 from PyPI, with its pinned
  dependencies). Both apps share all of these but the network: only the site talks to the proxy
  (and, in production, to Secrets Manager), whose round trips cross the VPC on AWS, so there the
  site's side of the ratio would grow by them. Read the ratio, not the absolute times. Where B5's
  time went in this run: {steps}."""
