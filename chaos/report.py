"""docs/chaos.md from a chaos run: the invariants, the counts behind them, the recovery times."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chaos.load import BODY_BYTES
from chaos.scenarios import FaultResult, SoakResult

if TYPE_CHECKING:
    from chaos.__main__ import ChaosResults

STATUS_MEANING = {
    0: "no HTTP answer",
    200: "acknowledged (stored)",
    502: "connection lost mid-INSERT: may or may not be stored",
    503: "nothing stored (database unreachable, busy or read-only)",
    500: "server error",
}


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def fault_rows(result: FaultResult) -> list[str]:
    audit = result.audit
    cells = [
        result.fault,
        f"{audit.captures:,}",
        f"{audit.acknowledged:,}",
        str(len(audit.acknowledged_but_lost)),
        str(audit.server_errors_500),
        str(len(audit.false_nothing_stored)),
        seconds(result.down_seconds),
        seconds(result.restart_seconds),
        seconds(result.recovery_seconds),
        seconds(result.failed_window_seconds),
    ]
    return ["| " + " | ".join(cells) + " |"]


def status_table(results: list[FaultResult | SoakResult], names: list[str]) -> list[str]:
    statuses = sorted({status for result in results for status in result.audit.statuses})
    lines = [
        "| run | " + " | ".join(f"{status} ({STATUS_MEANING.get(status, '')})" for status in statuses) + " |"
    ]
    lines.append("|---" * (len(statuses) + 1) + "|")
    for name, result in zip(names, results, strict=True):
        counts = " | ".join(f"{result.audit.statuses.get(status, 0):,}" for status in statuses)
        lines.append(f"| {name} | {counts} |")
    return lines


def render(results: ChaosResults, violations: list[str]) -> str:
    sizes, soak = results.sizes, results.soak
    lines = [
        "# Chaos: captures under faults",
        "",
        f"`make chaos` ({results.mode} mode), {results.started_at}. "
        f"**{'All invariants held.' if not violations else 'FAILED: ' + '; '.join(violations)}**",
        "",
        f"The site (gunicorn, {results.site_workers} workers, the `mysql_iam` backend with production "
        "settings) captures through the RDS Proxy stand-in (its own process, borrow timeout 5 s as in "
        f"production) into MariaDB. {sizes.clients} clients post unique {BODY_BYTES}-byte binary bodies "
        "(plus a sequence prefix); a quarter of the way in, one "
        f"process is killed with SIGKILL, left down {sizes.down_seconds:.0f} s, and restarted on the same "
        "port and data. Afterwards every answer is checked against the database.",
        "",
        "## Invariants",
        "",
        '| fault | captures | acknowledged | acknowledged but lost | 500s | false "nothing stored" '
        "| down | restart took | recovery after restart | failed answers spread over |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results.faults:
        lines += fault_rows(result)
    lines += [
        "",
        '*Acknowledged but lost*: a `200 {"id"}` whose row is missing or differs from the body sent. '
        '*False "nothing stored"*: an answer saying nothing was stored for a body that is in the table. '
        "*Recovery*: from the restarted process answering to the first acknowledged capture sent after it.",
        "",
        "## Answers",
        "",
        *status_table(
            [*results.faults, soak], [result.fault for result in results.faults] + ["soak (no fault)"]
        ),
        "",
        "Captures answered 502 (outcome unknown) that did end up stored: "
        + ", ".join(
            f"{result.fault}: {result.audit.stored_after_unknown_outcome}" for result in results.faults
        )
        + '. Saying "nothing was stored" for those would have been false.',
        "",
        "## Soak",
        "",
        f"{soak.seconds:.0f} s of steady captures from {sizes.clients} clients, "
        f"{soak.audit.captures:,} in all, sampled every {sizes.soak_sample_every:.0f} s; the first "
        f"{soak.warm_up_samples} samples are warm-up.",
        "",
        "| after (s) | site worker file descriptors | site worker RSS (MiB) | proxy client connections |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {sample.elapsed:.0f} | {sample.site_file_descriptors} | {sample.site_rss_kib / 1024:.1f} | "
        f"{sample.proxy_client_connections} |"
        for sample in soak.samples
    ]
    lines += [
        "",
        f"Growth after warm-up: file descriptors {soak.growth(lambda s: s.site_file_descriptors):+d}, "
        f"RSS {soak.growth(lambda s: s.site_rss_kib) / 1024:+.1f} MiB; proxy client connections at most "
        f"{max((s.proxy_client_connections for s in soak.after_warm_up()), default=0)} "
        f"for {results.site_workers} workers (one per worker, kept for CONN_MAX_AGE).",
        "",
        "## What this does not show",
        "",
        "- A real RDS Proxy failover or an RDS instance crash: the stand-in and MariaDB run on this machine, "
        "and a SIGKILLed mariadbd keeps what InnoDB had handed to the OS (`innodb_flush_log_at_trx_commit=2` "
        "locally; RDS runs with 1), so a host crash could lose more than this run can.",
        "- Lambda: one container serves one request at a time and is frozen between requests; gunicorn's "
        "sync workers are the closest local shape (one request per process at a time).",
        "",
    ]
    return "\n".join(lines)
