"""Grow hits_hit to a given size fast: multi-row INSERT ... SELECT from MariaDB's SEQUENCE engine.

Runs as root straight on MariaDB (seeding is set-up, not part of the measurement). Rows look like the
bench's webhook deliveries, ids and received_at ascending, so the newest page is the same shape at
every size. Every RARE_EVERY-th row is a different delivery (PUT, text/plain, another path and event)
so filters have a 1% population to find; every row gets its search keys (media_type, path_key and
its hits_hitheader rows) exactly as a capture would (hits.search_keys computes them).
"""

from __future__ import annotations

import datetime as dt
import json

from bench.events import CAPTURE_PATH, STAGE, WEBHOOK_BODY, WEBHOOK_HEADERS
from bench.progress import ProgressBar
from hits.search_keys import header_key_pairs, media_type_key
from local_mariadb import MariaDBServer

CHUNK_ROWS = 50_000
# Row n is received at SEED_EPOCH + n seconds (the TIMESTAMP literal below).
SEED_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
RARE_EVERY = 100
COMMON_PATH = f"/{STAGE}{CAPTURE_PATH}"
RARE_PATH = f"/{STAGE}/hooks/rare"
RARE_METHOD = "PUT"
RARE_CONTENT_TYPE = "text/plain; charset=utf-8"
RARE_EVENT = "ping"
RARE_BODY = b"rare delivery: needle-in-the-body"
COMMON_HEADERS = [[name, value] for name, value in WEBHOOK_HEADERS.items()]
RARE_HEADERS = [
    [name, RARE_EVENT if name == "X-GitHub-Event" else RARE_CONTENT_TYPE if name == "Content-Type" else value]
    for name, value in COMMON_HEADERS
]

# seq_<a>_to_<b> is a virtual table of the integers a..b (MariaDB's SEQUENCE engine, on by default).
# "seq % RARE_EVERY = 0" picks the rare rows; ids equal seq because the table starts empty.
SEED_INSERT = (
    "INSERT INTO hits_hit (id, received_at, method, path, query_string, headers, body, body_size, "
    "content_type, client_address, user_agent, media_type, path_key) "
    "SELECT seq, TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND, "
    "IF(rare, %(rare_method)s, 'POST'), CONCAT(IF(rare, %(rare_path)s, %(common_path)s), '/', seq), '', "
    "IF(rare, %(rare_headers)s, %(common_headers)s), IF(rare, %(rare_body)s, %(common_body)s), "
    "LENGTH(IF(rare, %(rare_body)s, %(common_body)s)), IF(rare, %(rare_type)s, 'application/json'), "
    "'198.51.100.23', 'GitHub-Hookshot/bench', IF(rare, %(rare_media)s, 'application/json'), "
    "CONCAT(IF(rare, %(rare_path)s, %(common_path)s), '/', seq) "
    "FROM (SELECT seq, seq %% {rare_every} = 0 AS rare FROM seq_{first}_to_{last}) AS numbers"
)
HEADER_KEYS_INSERT = (
    "INSERT INTO hits_hitheader (hit_id, name, value_digest) "
    "SELECT seq, name, value_digest FROM seq_{first}_to_{last} "
    "JOIN ({keys}) AS header_keys ON header_keys.rare = (seq %% {rare_every} = 0)"
)


def header_keys_table() -> tuple[str, list[object]]:
    """A derived table (rare, name, value_digest) of both kinds of rows' keys, with its parameters."""
    selects, parameters = [], []
    for rare, headers in ((0, COMMON_HEADERS), (1, RARE_HEADERS)):
        for name, value_digest in header_key_pairs(headers):
            selects.append("SELECT %s AS rare, %s AS name, %s AS value_digest")
            parameters.extend([rare, name, value_digest])
    return " UNION ALL ".join(selects), parameters


def seed_hits(server: MariaDBServer, database: str, current: int, target: int) -> int:
    """Add rows until the table holds ``target`` (it holds ``current`` now); returns the new size."""
    progress = ProgressBar(f"hits_hit -> {target:,} rows", target)
    hit_parameters = {
        "rare_method": RARE_METHOD,
        "rare_path": RARE_PATH,
        "common_path": COMMON_PATH,
        "rare_headers": json.dumps(RARE_HEADERS),
        "common_headers": json.dumps(COMMON_HEADERS),
        "rare_body": RARE_BODY,
        "common_body": WEBHOOK_BODY,
        "rare_type": RARE_CONTENT_TYPE,
        "rare_media": media_type_key(RARE_CONTENT_TYPE),
    }
    keys_sql, keys_parameters = header_keys_table()
    with server.root_connection(database) as connection:
        cursor = connection.cursor()
        while current < target:
            last = min(current + CHUNK_ROWS, target)
            bounds = {"first": current + 1, "last": last, "rare_every": RARE_EVERY}
            cursor.execute(SEED_INSERT.format(**bounds), hit_parameters)
            cursor.execute(HEADER_KEYS_INSERT.format(keys=keys_sql, **bounds), keys_parameters)
            current = last
            progress.update(current)
        cursor.execute("ANALYZE TABLE hits_hit, hits_hitheader")
        cursor.fetchall()
    return current


def empty_hits(server: MariaDBServer, database: str) -> None:
    server.execute(f"DELETE FROM `{database}`.hits_hitheader", f"DELETE FROM `{database}`.hits_hit")
