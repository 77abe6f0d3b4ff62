"""``python -m bench.purge_cost [--rows N]``: what one scheduled purge costs at N hits (default 10**6).

Starts its own MariaDB (local_mariadb), migrates, adds one endpoint rule with a one-day retention,
seeds N old hits under it (INSERT ... SELECT from the SEQUENCE engine, bench-shaped webhook bodies),
then runs `purge_hits --endpoint-rules` exactly as the scheduled task does and times it: the whole
run, the slowest batch, and the same run again on the now-empty rule (the daily steady state).
Prints a Markdown table for docs/endpoints.md. Seeding is set-up and not timed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from io import StringIO

from bench.events import CAPTURE_PATH, WEBHOOK_BODY, WEBHOOK_HEADERS
from local_mariadb import MariaDBServer

DATABASE = "webhook_site"
USER, PASSWORD = "bench", "bench-password"  # a throwaway server on 127.0.0.1 only
CHUNK_ROWS = 50_000
SEED_INSERT = (
    "INSERT INTO hits_hit (received_at, method, path, query_string, headers, body, body_size, "
    "content_type, client_address, user_agent, endpoint_id, signature) "
    "SELECT TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND, 'POST', CONCAT(%s, '/', seq), '', "
    "%s, %s, %s, 'application/json', '198.51.100.23', 'GitHub-Hookshot/bench', %s, 'valid' "
    "FROM seq_{first}_to_{last}"
)


def start_database() -> MariaDBServer:
    server = MariaDBServer().start()
    server.create_user(USER, PASSWORD, "ALL PRIVILEGES ON *.*")
    server.execute(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    os.environ["DATABASE_URL"] = f"mysql://{USER}:{PASSWORD}@{server.host}:{server.port}/{DATABASE}"
    return server


def seed(server: MariaDBServer, rule_id: int, rows: int) -> None:
    headers = json.dumps([[name, value] for name, value in WEBHOOK_HEADERS.items()])
    with server.root_connection(DATABASE) as connection:
        cursor = connection.cursor()
        for first in range(1, rows + 1, CHUNK_ROWS):
            last = min(first + CHUNK_ROWS - 1, rows)
            cursor.execute(
                SEED_INSERT.format(first=first, last=last),
                [CAPTURE_PATH, headers, WEBHOOK_BODY, len(WEBHOOK_BODY), rule_id],
            )


def timed_purge() -> tuple[float, str]:
    from django.core.management import call_command

    out = StringIO()
    started = time.monotonic()
    call_command("purge_hits", "--endpoint-rules", stdout=out)
    return time.monotonic() - started, out.getvalue().strip()


def slowest_batch_seconds(server: MariaDBServer, rule_id: int, rows: int) -> float:
    """Re-seed a 20-batch sample and time each batch of the same purge loop."""
    from hits.models import Hit

    seed(server, rule_id, min(rows, 10_000))
    slowest = 0.0
    while ids := list(
        Hit.objects.filter(endpoint_id=rule_id).order_by("id").values_list("id", flat=True)[:500]
    ):
        started = time.monotonic()
        Hit.objects.filter(id__in=ids).delete()
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
        print("| rows deleted | run | rate | slowest batch (500 rows) | the next, empty run |")
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
