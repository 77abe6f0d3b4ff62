"""``python -m bench.purge_cost [--rows N]``: what one scheduled purge costs at N hits (default 10**6).

Starts its own MariaDB (local_mariadb), migrates, adds one endpoint rule with a one-day retention,
seeds N old hits under it (bench.seed_hits: INSERT ... SELECT from the SEQUENCE engine, bench-shaped
webhook deliveries with their hits_hitheader search keys, which the purge deletes with them),
then runs `purge_hits --endpoint-rules` exactly as the scheduled task does and times it: the whole
run, the slowest batch, and the same run again on the now-empty rule (the daily steady state).
Prints a Markdown table for docs/endpoints.md. Seeding is set-up and not timed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from io import StringIO

from bench.events import CAPTURE_PATH, WEBHOOK_BODY
from bench.seed_hits import seed_hits
from local_mariadb import MariaDBServer

DATABASE = "webhook_site"
USER, PASSWORD = "bench", "bench-password"  # a throwaway server on 127.0.0.1 only


def start_database() -> MariaDBServer:
    server = MariaDBServer().start()
    server.create_user(USER, PASSWORD, "ALL PRIVILEGES ON *.*")
    server.execute(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    os.environ["DATABASE_URL"] = f"mysql://{USER}:{PASSWORD}@{server.host}:{server.port}/{DATABASE}"
    return server


def seed(server: MariaDBServer, rule_id: int, rows: int) -> None:
    """The benchmarks' own hits (bench.seed_hits: rows and their search keys, as captures store
    them), all under the rule."""
    seed_hits(server, DATABASE, 0, rows)
    server.execute(f"UPDATE {DATABASE}.hits_hit SET endpoint_id = {int(rule_id)}, signature = 'valid'")


def timed_purge() -> tuple[float, str]:
    from django.core.management import call_command

    out = StringIO()
    started = time.monotonic()
    call_command("purge_hits", "--endpoint-rules", stdout=out)
    return time.monotonic() - started, out.getvalue().strip()


def slowest_batch_seconds(server: MariaDBServer, rule_id: int, rows: int) -> float:
    """Re-seed a 20-batch sample and time each batch of the same purge loop."""
    from hits.models import Hit
    from hits.retention import DEFAULT_BATCH_SIZE, delete_batch

    seed(server, rule_id, min(rows, 10_000))
    slowest = 0.0
    while ids := list(
        Hit.objects.filter(endpoint_id=rule_id)
        .order_by("id")
        .values_list("id", flat=True)[:DEFAULT_BATCH_SIZE]
    ):
        started = time.monotonic()
        delete_batch(ids)
        slowest = max(slowest, time.monotonic() - started)
    return slowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    rows = parser.parse_args().rows
    server = start_database()
    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webhook_site.settings")
        import django

        django.setup()
        from datetime import timedelta

        from django.core.management import call_command

        from endpoints.models import EndpointRule
        from hits.models import Hit
        from hits.retention import DEFAULT_BATCH_SIZE

        call_command("migrate", verbosity=0)
        rule = EndpointRule.objects.create(
            name="bench", path_prefix=CAPTURE_PATH, retention_max_age=timedelta(days=1)
        )
        seeding_started = time.monotonic()
        seed(server, rule.id, rows)
        seeded_in = time.monotonic() - seeding_started
        assert Hit.objects.filter(endpoint_id=rule.id).count() == rows
        full_run, report = timed_purge()
        assert not Hit.objects.filter(endpoint_id=rule.id).exists(), report
        empty_run, _report = timed_purge()
        slowest = slowest_batch_seconds(server, rule.id, rows)
        print(
            f"| rows deleted | run | rate | slowest batch ({DEFAULT_BATCH_SIZE} rows) | the next, empty run |"
        )
        print("|---|---|---|---|---|")
        print(
            f"| {rows:,} | {full_run:.1f} s | {rows / full_run:,.0f} rows/s | {slowest * 1000:.0f} ms "
            f"| {empty_run * 1000:.0f} ms |"
        )
        print(
            f"\nMariaDB {server.version}, {platform.machine()}, {os.cpu_count()} cores (shared), Python "
            f"{sys.version.split()[0]}; body {len(WEBHOOK_BODY)} bytes; "
            f"seeding (not timed) took {seeded_in:.0f} s.",
        )
        print(report)
    finally:
        server.destroy()


if __name__ == "__main__":
    main()
