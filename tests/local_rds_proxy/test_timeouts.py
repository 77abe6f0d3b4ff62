"""ConnectionBorrowTimeout (error 9501) and IdleClientTimeout, within 10% of the configured time."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

import MySQLdb
import pytest

from local_mariadb import MariaDBServer
from local_rds_proxy import RunningProxy
from tests.local_rds_proxy.proxy_clients import (
    APP_PASSWORD,
    APP_USER,
    DATABASE,
    connect_mysqlclient,
    connect_pymysql,
    scalar,
    wait_for_stats,
)

pytestmark = pytest.mark.mariadb_only

TIMEOUT = 1.5
TOLERANCE = 0.10


def within_tolerance(elapsed: float) -> bool:
    return TIMEOUT * (1 - TOLERANCE) <= elapsed <= TIMEOUT * (1 + TOLERANCE)


def test_borrow_timeout_answers_9501(start_proxy: Callable[..., RunningProxy], ca_path: str) -> None:
    proxy = start_proxy(max_connections=1, borrow_timeout_seconds=TIMEOUT)
    holder = connect_mysqlclient(proxy, ca_path, autocommit=True)
    waiter = connect_mysqlclient(proxy, ca_path, autocommit=True)
    holder.cursor().execute("BEGIN")  # holds the only backend
    started = time.monotonic()
    with pytest.raises(MySQLdb.OperationalError) as caught:
        waiter.cursor().execute("SELECT 1")
    elapsed = time.monotonic() - started
    print(f"\nborrow timeout {TIMEOUT} s -> error after {elapsed:.3f} s")
    assert caught.value.args == (9501, "Timed-out waiting to acquire database connection")
    assert within_tolerance(elapsed), elapsed
    holder.cursor().execute("COMMIT")
    assert scalar(waiter, "SELECT 'served once the backend is back'") == "served once the backend is back"
    assert proxy.stats()["borrow_timeouts"] == 1
    holder.close()
    waiter.close()


def test_login_waits_for_a_backend_too(start_proxy: Callable[..., RunningProxy], ca_path: str) -> None:
    """The login borrows once (to check the database), so an exhausted pool fails connect() itself."""
    proxy = start_proxy(max_connections=1, borrow_timeout_seconds=TIMEOUT)
    holder = connect_mysqlclient(proxy, ca_path, autocommit=True)
    holder.cursor().execute("BEGIN")
    started = time.monotonic()
    with pytest.raises(MySQLdb.OperationalError) as caught:
        connect_mysqlclient(proxy, ca_path)
    assert caught.value.args[0] == 9501
    assert within_tolerance(time.monotonic() - started)
    holder.close()


@pytest.fixture
def database_that_goes_away(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDBServer]:
    """A private MariaDB (the harness one must stay up) with the proxy tests' user and database."""
    server = MariaDBServer(base_dir=tmp_path_factory.mktemp("goes-away")).start()
    server.create_user(APP_USER, APP_PASSWORD, f"ALL PRIVILEGES ON {DATABASE}.*")
    server.execute(f"CREATE DATABASE {DATABASE}")
    yield server
    server.stop()


def test_database_gone_after_start_is_waited_for_until_the_borrow_timeout(
    start_proxy: Callable[..., RunningProxy], ca_path: str, database_that_goes_away: MariaDBServer
) -> None:
    """RDS Proxy applies ConnectionBorrowTimeout also when no DB instance is available (a failover;
    RDS_PROXY_NOTES.md section 3): the stand-in keeps retrying the database until then, not 9501 at once."""
    proxy = start_proxy(backend_port=database_that_goes_away.port, borrow_timeout_seconds=TIMEOUT)
    client = connect_mysqlclient(proxy, ca_path, autocommit=True)
    assert scalar(client, "SELECT 1") == 1
    database_that_goes_away.stop()
    attempts: dict[str, Callable[[], object]] = {
        "query": lambda: client.cursor().execute("SELECT 1"),
        "login": lambda: connect_mysqlclient(proxy, ca_path),
    }
    for attempt, make_attempt in attempts.items():
        started = time.monotonic()
        with pytest.raises(MySQLdb.OperationalError) as caught:
            make_attempt()
        elapsed = time.monotonic() - started
        print(f"\ndatabase gone, borrow timeout {TIMEOUT} s -> {attempt} failed after {elapsed:.3f} s")
        assert caught.value.args == (9501, "Timed-out waiting to acquire database connection")
        assert within_tolerance(elapsed), elapsed
    client.close()


def test_raising_max_connections_serves_waiters_at_once(
    start_proxy: Callable[..., RunningProxy], ca_path: str
) -> None:
    proxy = start_proxy(max_connections=1, borrow_timeout_seconds=30.0)
    holder = connect_mysqlclient(proxy, ca_path, autocommit=True)
    waiter = connect_mysqlclient(proxy, ca_path, autocommit=True)
    holder.cursor().execute("BEGIN")
    answer: list[object] = []
    thread = threading.Thread(target=lambda: answer.append(scalar(waiter, "SELECT 7")))
    thread.start()
    wait_for_stats(proxy, lambda stats: stats["clients_waiting_for_connection"] == 1)
    proxy.update(max_connections=2)
    thread.join(timeout=5)
    assert answer == [7]
    assert proxy.stats()["MaxDatabaseConnectionsAllowed"] == 2
    holder.close()
    waiter.close()


def test_idle_client_is_disconnected_and_its_transaction_discarded(
    start_proxy: Callable[..., RunningProxy], ca_path: str, proxy_backend: MariaDBServer
) -> None:
    proxy = start_proxy(idle_client_timeout_seconds=TIMEOUT)
    client = connect_pymysql(proxy, ca_path, autocommit=True)
    cursor = client.cursor()
    cursor.execute("BEGIN")
    cursor.execute("INSERT INTO items (client, note) VALUES (-1, 'left idle')")
    started = time.monotonic()
    raw_socket = client._sock  # type: ignore[attr-defined]  # PyMySQL's socket, for a raw read
    raw_socket.settimeout(TIMEOUT * 3)
    with contextlib.suppress(ConnectionError):  # an abrupt close is a close too
        assert raw_socket.recv(1) == b""  # blocks until the proxy closes the connection
    elapsed = time.monotonic() - started
    print(f"\nidle client timeout {TIMEOUT} s -> closed after {elapsed:.3f} s")
    assert within_tolerance(elapsed), elapsed
    stats = wait_for_stats(proxy, lambda stats: stats["ClientConnections"] == 0)
    assert (stats["idle_client_timeouts"], stats["dirty_backends_closed"]) == (1, 1)
    assert proxy_backend.query(f"SELECT COUNT(*) FROM {DATABASE}.items WHERE note = 'left idle'") == [(0,)]
