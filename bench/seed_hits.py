"""Grow hits_hit to a given size fast: multi-row INSERT ... SELECT from MariaDB's SEQUENCE engine.

Runs as root straight on MariaDB (seeding is set-up, not part of the measurement). Rows look like the
bench's webhook deliveries, ids and received_at ascending, so the newest page is the same shape at
every size.
"""

from __future__ import annotations

import json

from bench.events import CAPTURE_PATH, STAGE, WEBHOOK_BODY, WEBHOOK_HEADERS
from bench.progress import ProgressBar
from local_mariadb import MariaDBServer

CHUNK_ROWS = 50_000
HEADERS_JSON = json.dumps([[name, value] for name, value in WEBHOOK_HEADERS.items()])
# seq_<a>_to_<b> is a virtual table of the integers a..b (MariaDB's SEQUENCE engine, on by default).
SEED_INSERT = (
    "INSERT INTO hits_hit (received_at, method, path, query_string, headers, body, body_size, "
    "content_type, client_address, user_agent) "
    "SELECT TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND, 'POST', "
    "CONCAT(%s, '/', seq), '', %s, %s, %s, 'application/json', '198.51.100.23', 'GitHub-Hookshot/bench' "
    "FROM seq_{first}_to_{last}"
)


def seed_hits(server: MariaDBServer, database: str, current: int, target: int) -> int:
    """Add rows until the table holds ``target`` (it holds ``current`` now); returns the new size."""
    progress = ProgressBar(f"hits_hit -> {target:,} rows", target)
    path = f"/{STAGE}{CAPTURE_PATH}"
    with server.root_connection(database) as connection:
        cursor = connection.cursor()
        while current < target:
            last = min(current + CHUNK_ROWS, target)
            statement = SEED_INSERT.format(first=current + 1, last=last)
            cursor.execute(statement, [path, HEADERS_JSON, WEBHOOK_BODY, len(WEBHOOK_BODY)])
            current = last
            progress.update(current)
    return current


def empty_hits(server: MariaDBServer, database: str) -> None:
    server.execute(f"TRUNCATE TABLE `{database}`.hits_hit")
