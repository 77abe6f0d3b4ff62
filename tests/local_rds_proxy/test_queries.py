"""Ordinary work through the stand-in with both drivers: reads, writes, transactions, LOAD DATA LOCAL."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import MySQLdb
import pytest
from MySQLdb.constants import CLIENT

from local_mariadb import MariaDBServer
from local_rds_proxy import RunningProxy
from tests.local_rds_proxy.proxy_clients import (
    DATABASE,
    connect_mysqlclient,
    connect_pymysql,
    scalar,
    wait_until_backend_gone,
)

pytestmark = pytest.mark.mariadb_only

DRIVERS = {"mysqlclient": connect_mysqlclient, "pymysql": connect_pymysql}
_markers = itertools.count(1)


@pytest.fixture(params=sorted(DRIVERS))
def connect(
    request: pytest.FixtureRequest, shared_proxy: RunningProxy, ca_path: str
) -> Iterator[Callable[..., Any]]:
    opened: list[Any] = []

    def open_connection(**options: Any) -> Any:
        connection = DRIVERS[request.param](shared_proxy, ca_path, **options)
        opened.append(connection)
        return connection

    yield open_connection
    for connection in opened:
        if connection.open:
            connection.close()


@pytest.fixture
def marker() -> int:
    """A client number no other test uses, to find this test's rows."""
    return 1_000_000 + next(_markers)


def rows_for(backend: MariaDBServer, marker: int) -> list[str]:
    return [
        row[0]
        for row in backend.query(f"SELECT note FROM {DATABASE}.items WHERE client = %s ORDER BY id", [marker])
    ]


def test_select(connect: Callable[..., Any]) -> None:
    assert scalar(connect(), "SELECT 6 * 7") == 42


def test_autocommit_insert_is_visible_at_once(
    connect: Callable[..., Any], proxy_backend: MariaDBServer, marker: int
) -> None:
    connection = connect(autocommit=True)
    connection.cursor().execute("INSERT INTO items (client, note) VALUES (%s, 'autocommit')", (marker,))
    assert rows_for(proxy_backend, marker) == ["autocommit"]


def test_commit_and_rollback(connect: Callable[..., Any], proxy_backend: MariaDBServer, marker: int) -> None:
    connection = connect()  # PEP 249: autocommit off
    cursor = connection.cursor()
    cursor.execute("INSERT INTO items (client, note) VALUES (%s, 'rolled back')", (marker,))
    connection.rollback()
    cursor.execute("INSERT INTO items (client, note) VALUES (%s, 'committed')", (marker,))
    assert rows_for(proxy_backend, marker) == []  # not yet committed
    connection.commit()
    assert rows_for(proxy_backend, marker) == ["committed"]


def test_multi_statement_query(connect: Callable[..., Any]) -> None:
    # PyMySQL only sends several statements at once when asked to.
    cursor = connect(autocommit=True, client_flag=CLIENT.MULTI_STATEMENTS | CLIENT.MULTI_RESULTS).cursor()
    cursor.execute("SELECT 1; SELECT 2, 3; DO 0")
    results = [cursor.fetchall()]
    while cursor.nextset():
        results.append(cursor.fetchall())
    assert [list(map(tuple, result)) for result in results[:2]] == [[(1,)], [(2, 3)]]


def test_error_does_not_break_the_session(connect: Callable[..., Any]) -> None:
    connection = connect(autocommit=True)
    with pytest.raises(Exception, match="doesn't exist") as caught:
        connection.cursor().execute("SELECT * FROM no_such_table")
    assert caught.value.args[0] == 1146
    assert scalar(connection, "SELECT 'still fine'") == "still fine"


def test_large_result_set(connect: Callable[..., Any]) -> None:
    cursor = connect().cursor()
    cursor.execute("SELECT seq, REPEAT('x', 100) FROM seq_1_to_20000")
    assert len(cursor.fetchall()) == 20_000


def test_load_data_local_infile(
    connect: Callable[..., Any], proxy_backend: MariaDBServer, marker: int, tmp_path: Path
) -> None:
    data = tmp_path / "items.tsv"
    data.write_text("".join(f"{marker}\tloaded {number}\n" for number in range(3)))
    connection = connect(local_infile=True, autocommit=True)
    connection.cursor().execute(f"LOAD DATA LOCAL INFILE '{data}' INTO TABLE items (client, note)")
    assert rows_for(proxy_backend, marker) == ["loaded 0", "loaded 1", "loaded 2"]
    assert scalar(connection, "SELECT 'after load'") == "after load"


def test_transaction_keeps_one_backend_then_multiplexes_again(
    shared_proxy: RunningProxy, ca_path: str
) -> None:
    connection = connect_mysqlclient(shared_proxy, ca_path, autocommit=True)
    cursor = connection.cursor()
    cursor.execute("BEGIN")
    ids = {scalar(connection, "SELECT CONNECTION_ID()") for _ in range(5)}
    assert shared_proxy.stats()["DatabaseConnectionsCurrentlyInTransaction"] == 1
    cursor.execute("COMMIT")
    assert len(ids) == 1
    assert shared_proxy.stats()["DatabaseConnectionsCurrentlyInTransaction"] == 0
    connection.close()


def test_django_shaped_client_does_not_pin(
    shared_proxy: RunningProxy, ca_path: str, proxy_backend: MariaDBServer, marker: int
) -> None:
    """What Django 5.2 sends: FOUND_ROWS, SET NAMES, autocommit, isolation; atomic = autocommit=0..COMMIT."""
    pinned_before = shared_proxy.stats()["pinned_sessions_total"]
    connection = connect_mysqlclient(shared_proxy, ca_path, client_flag=CLIENT.FOUND_ROWS, charset="utf8mb4")
    connection.autocommit(True)
    cursor = connection.cursor()
    cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    connection.autocommit(False)  # transaction.atomic: SET autocommit=0, no BEGIN
    assert shared_proxy.stats()["DatabaseConnectionsCurrentlyBorrowed"] == 0  # nothing open yet
    cursor.execute("INSERT INTO items (client, note) VALUES (%s, 'atomic')", (marker,))
    assert shared_proxy.stats()["DatabaseConnectionsCurrentlyInTransaction"] == 1
    # FOUND_ROWS reached the backend: an UPDATE that changes nothing still reports the matched row.
    assert cursor.execute("UPDATE items SET note = 'atomic' WHERE client = %s", (marker,)) == 1
    connection.commit()
    connection.autocommit(True)
    assert rows_for(proxy_backend, marker) == ["atomic"]
    assert scalar(connection, "SELECT @@tx_isolation") == "READ-COMMITTED"
    stats = shared_proxy.stats()
    assert stats["pinned_sessions_total"] == pinned_before
    assert stats["DatabaseConnectionsCurrentlySessionPinned"] == 0
    connection.close()


def test_django_shaped_rollback_across_multiplexing(
    shared_proxy: RunningProxy, ca_path: str, proxy_backend: MariaDBServer, marker: int
) -> None:
    connection = connect_mysqlclient(shared_proxy, ca_path, client_flag=CLIENT.FOUND_ROWS, autocommit=True)
    connection.autocommit(False)
    connection.cursor().execute("INSERT INTO items (client, note) VALUES (%s, 'undone')", (marker,))
    connection.rollback()
    connection.autocommit(True)
    assert rows_for(proxy_backend, marker) == []
    connection.close()


def test_client_dropping_mid_transaction_gets_its_backend_closed(
    shared_proxy: RunningProxy, ca_path: str, proxy_backend: MariaDBServer, marker: int
) -> None:
    connection = connect_mysqlclient(shared_proxy, ca_path)
    connection.cursor().execute("INSERT INTO items (client, note) VALUES (%s, 'never committed')", (marker,))
    backend_id = scalar(connection, "SELECT CONNECTION_ID()")
    closed_before = shared_proxy.stats()["dirty_backends_closed"]
    connection.close()  # COM_QUIT with the transaction still open
    wait_until_backend_gone(proxy_backend, backend_id)
    assert shared_proxy.stats()["dirty_backends_closed"] == closed_before + 1
    assert rows_for(proxy_backend, marker) == []


def test_ping_is_answered_without_a_backend(shared_proxy: RunningProxy, ca_path: str) -> None:
    connection = connect_mysqlclient(shared_proxy, ca_path)
    borrows_before = shared_proxy.stats()["DatabaseConnectionsBorrowLatency"]["count"]
    connection.ping()
    assert shared_proxy.stats()["DatabaseConnectionsBorrowLatency"]["count"] == borrows_before
    connection.close()


def test_wrong_driver_error_codes_pass_through(shared_proxy: RunningProxy, ca_path: str) -> None:
    connection = connect_mysqlclient(shared_proxy, ca_path)
    with pytest.raises(MySQLdb.ProgrammingError) as caught:
        connection.cursor().execute("SELEC 1")
    assert caught.value.args[0] == 1064
    connection.close()
