"""Pinning and tracked state, proved by backend thread ids (CONNECTION_ID()) rather than by the proxy's word.

The tests use two clients on a small pool. The pool lends the most recently returned backend first,
so after client X runs a statement, client Y's ``BEGIN`` takes exactly the backend X just used:
an unpinned X must then run on another backend, a pinned X must not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import MySQLdb
import pytest

from local_mariadb import MariaDBServer
from local_rds_proxy import RunningProxy
from local_rds_proxy.wire import CLIENT_DEPRECATE_EOF, COM_PING
from tests.local_rds_proxy.proxy_clients import (
    APP_USER,
    DATABASE,
    connect_mysqlclient,
    mint_token,
    scalar,
    wait_for_stats,
    wait_until_backend_gone,
)
from tests.local_rds_proxy.raw_client import RawClient

pytestmark = pytest.mark.mariadb_only

Connect = Callable[[], MySQLdb.Connection]


@pytest.fixture
def proxy(start_proxy: Callable[..., RunningProxy]) -> RunningProxy:
    return start_proxy(max_connections=3)


@pytest.fixture
def connect(proxy: RunningProxy, ca_path: str) -> Iterator[Connect]:
    opened: list[MySQLdb.Connection] = []

    def open_connection() -> MySQLdb.Connection:
        opened.append(connect_mysqlclient(proxy, ca_path, autocommit=True))
        return opened[-1]

    yield open_connection
    for connection in opened:
        if connection.open:
            connection.close()


def backend_id(connection: MySQLdb.Connection) -> int:
    return int(scalar(connection, "SELECT CONNECTION_ID()"))


def take_backend_from(client: MySQLdb.Connection, other: MySQLdb.Connection) -> int:
    """Let ``other`` open a transaction on the backend ``client`` used last; return that backend's id."""
    used = backend_id(client)
    other.cursor().execute("BEGIN")
    return used


@contextmanager
def churn(proxy: RunningProxy, ca: str, clients: int = 2) -> Iterator[set[int]]:
    """Other clients borrowing and returning backends as fast as they can; yields the ids they saw."""
    seen: set[int] = set()
    stop = threading.Event()
    connections = [connect_mysqlclient(proxy, ca, autocommit=True) for _ in range(clients)]

    def work(connection: MySQLdb.Connection) -> None:
        while not stop.is_set():
            seen.add(backend_id(connection))

    threads = [threading.Thread(target=work, args=(connection,)) for connection in connections]
    for thread in threads:
        thread.start()
    try:
        yield seen
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        for connection in connections:
            connection.close()


PINNING_STATEMENTS = [
    ("SET @greeting = 'hello'", "user_variable"),
    ("SET SESSION max_statement_time = 100", "untracked_variable"),
    ("SET autocommit = 1, foreign_key_checks = 1", "untracked_variable"),
    ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "next_transaction_scope"),
    ("CREATE TEMPORARY TABLE pinned_scratch (x INT)", "temporary_table"),
    ("LOCK TABLES lock_target READ", "table_lock"),
    ("FLUSH TABLES WITH READ LOCK", "table_lock"),
    ("PREPARE pinned_statement FROM 'SELECT 1'", "prepared_statement"),
    ("SELECT GET_LOCK('pin-test', 0)", "get_lock"),
    ("SELECT /*!40101 1 */", "executable_comment"),
    ("SELECT 1 /*M!100100 + 1 */", "executable_comment"),
    ("SELECT '" + "x" * 16_500 + "'", "statement_over_16kb"),
    ("SELECT LAST_INSERT_ID()", "session_function"),
    ("SELECT FOUND_ROWS()", "session_function"),
    ("SELECT ROW_COUNT()", "session_function"),
]


@pytest.fixture(scope="module")
def lock_target(proxy_backend: MariaDBServer) -> None:
    proxy_backend.execute(f"CREATE TABLE IF NOT EXISTS {DATABASE}.lock_target (x INT)")


@pytest.mark.usefixtures("lock_target")
@pytest.mark.parametrize(
    ("statement", "reason"), PINNING_STATEMENTS, ids=[reason for _, reason in PINNING_STATEMENTS]
)
def test_statement_pins_the_client_to_its_backend(
    proxy: RunningProxy, connect: Connect, ca_path: str, statement: str, reason: str
) -> None:
    pinned_client, other = connect(), connect()
    before = take_backend_from(pinned_client, other)
    assert backend_id(pinned_client) != before  # not pinned yet: it moved to another backend
    other.cursor().execute("COMMIT")

    pinned_client.cursor().execute(statement)
    pinned_id = backend_id(pinned_client)
    other.cursor().execute("BEGIN")
    assert backend_id(other) != pinned_id
    assert backend_id(pinned_client) == pinned_id
    other.cursor().execute("COMMIT")

    stats = proxy.stats()
    assert stats["pinned_by_reason"] == {reason: 1}
    assert stats["DatabaseConnectionsCurrentlySessionPinned"] == 1
    if reason == "table_lock":
        pinned_client.cursor().execute("UNLOCK TABLES")


def test_pinned_client_keeps_its_backend_while_others_churn(
    proxy: RunningProxy, connect: Connect, ca_path: str
) -> None:
    pinned_client = connect()
    pinned_client.cursor().execute("SET @mine = 42")
    with churn(proxy, ca_path) as churned_ids:
        ids = {backend_id(pinned_client) for _ in range(30)}
    assert len(ids) == 1
    assert churned_ids
    assert ids.isdisjoint(churned_ids)
    assert scalar(pinned_client, "SELECT @mine") == 42


def test_pinned_backend_is_closed_when_the_client_leaves(
    proxy: RunningProxy, connect: Connect, proxy_backend: MariaDBServer
) -> None:
    client = connect()
    client.cursor().execute("SET @x = 1")
    pinned_id = backend_id(client)
    client.close()
    wait_until_backend_gone(proxy_backend, pinned_id)
    stats = wait_for_stats(proxy, lambda stats: stats["DatabaseConnectionsCurrentlySessionPinned"] == 0)
    assert stats["dirty_backends_closed"] == 1


def test_com_stmt_prepare_pins(proxy: RunningProxy, ca_path: str, connect: Connect) -> None:
    raw = RawClient(proxy.port, ca_path, APP_USER, mint_token(proxy.port), DATABASE)
    statement = raw.prepare("SELECT CONNECTION_ID()")
    pinned_id = raw.execute_single_integer(statement)
    other = connect()
    other.cursor().execute("BEGIN")
    assert backend_id(other) != pinned_id
    assert raw.execute_single_integer(statement) == pinned_id
    assert proxy.stats()["pinned_by_reason"] == {"prepared_statement": 1}
    raw.close()


def test_deprecate_eof_client_is_relayed(proxy: RunningProxy, ca_path: str) -> None:
    raw = RawClient(proxy.port, ca_path, APP_USER, mint_token(proxy.port), DATABASE, CLIENT_DEPRECATE_EOF)
    assert raw.text_rows("SELECT 1, NULL UNION SELECT 2, 'b'") == [[b"1", None], [b"2", b"b"]]
    assert raw.text_rows("SELECT 1 FROM DUAL WHERE 0") == []
    _, tracker = raw.command(COM_PING)
    assert tracker.error is None
    raw.close()


TRACKED_SETTINGS = [
    ("SET SESSION time_zone = '+05:00'", "@@time_zone", "+05:00"),
    ("SET sql_mode = 'ANSI_QUOTES'", "@@sql_mode", "ANSI_QUOTES"),
    ("SET SESSION wait_timeout = 1234", "@@wait_timeout", 1234),
    ("SET interactive_timeout = 1234", "@@interactive_timeout", 1234),
    ("SET net_write_timeout = 77", "@@net_write_timeout", 77),
    ("SET auto_increment_increment = 5", "@@auto_increment_increment", 5),
    ("SET NAMES latin1", "@@character_set_client", "latin1"),
    ("SET CHARACTER SET latin1", "@@character_set_results", "latin1"),
    ("SET character_set_results = 'latin1'", "@@character_set_results", "latin1"),
    ("SET character_set_connection = 'latin1'", "@@character_set_connection", "latin1"),
    ("SET collation_connection = 'utf8mb4_bin'", "@@collation_connection", "utf8mb4_bin"),
    ("SET character_set_server = 'latin1'", "@@character_set_server", "latin1"),
    ("SET collation_server = 'utf8mb4_bin'", "@@collation_server", "utf8mb4_bin"),
    ("SET character_set_filesystem = 'latin1'", "@@character_set_filesystem", "latin1"),
    ("SET collation_database = 'utf8mb4_bin'", "@@collation_database", "utf8mb4_bin"),
    ("SET SESSION tx_isolation = 'SERIALIZABLE'", "@@tx_isolation", "SERIALIZABLE"),
    ("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ", "@@tx_isolation", "REPEATABLE-READ"),
    ("SET SESSION TRANSACTION READ ONLY", "@@tx_read_only", 1),
    ("SET tx_read_only = 1", "@@tx_read_only", 1),
    ("SET session_track_schema = OFF", "@@session_track_schema", 0),
    ("SET autocommit = 0", "@@autocommit", 0),
    ("USE mysql", "DATABASE()", "mysql"),
]


@pytest.mark.parametrize(
    ("statement", "expression", "expected"), TRACKED_SETTINGS, ids=[row[0] for row in TRACKED_SETTINGS]
)
def test_tracked_setting_does_not_pin_and_follows_the_client(
    proxy: RunningProxy, connect: Connect, statement: str, expression: str, expected: object
) -> None:
    client, other = connect(), connect()
    client.cursor().execute(statement)
    previous = take_backend_from(client, other)
    # The other client got the backend the setting was made on, but not the setting itself...
    assert scalar(other, f"SELECT {expression}") != expected
    # ...while the client, now on another backend, still has it: it was replayed there.
    assert backend_id(client) != previous
    assert scalar(client, f"SELECT {expression}") == expected
    other.cursor().execute("COMMIT")
    stats = proxy.stats()
    assert stats["pinned_sessions_total"] == 0
    assert stats["replayed_statements"] >= 1 or statement.startswith("USE")


@pytest.mark.parametrize(
    "statement",
    ["SET query_cache_type = OFF", "CREATE DATABASE IF NOT EXISTS pin_drop_me", "DROP DATABASE pin_drop_me"],
)
def test_other_tracked_statements_do_not_pin(proxy: RunningProxy, connect: Connect, statement: str) -> None:
    connect().cursor().execute(statement)
    assert proxy.stats()["pinned_sessions_total"] == 0


def test_pin_counter_counts_sessions_by_reason(proxy: RunningProxy, connect: Connect) -> None:
    for statement in ["SET @a = 1", "SET @b = 2", "SELECT GET_LOCK('counted', 0)"]:
        client = connect()
        client.cursor().execute(statement)
        client.cursor().execute("SET @again = 3")  # a pinned session is counted once
        client.close()
    stats = wait_for_stats(proxy, lambda stats: stats["ClientConnections"] == 0)
    assert stats["pinned_by_reason"] == {"user_variable": 2, "get_lock": 1}
    assert stats["pinned_sessions_total"] == 3
    assert stats["DatabaseConnectionsCurrentlySessionPinned"] == 0
