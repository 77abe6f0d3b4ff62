"""Many clients at once: multiplexing onto a small pool (checked on MariaDB itself), concurrent TLS logins."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

from local_mariadb import MariaDBServer
from local_rds_proxy import RunningProxy
from tests.local_rds_proxy.proxy_clients import DATABASE, connect_mysqlclient, mint_token, scalar

pytestmark = pytest.mark.mariadb_only

LOAD_USER, LOAD_PASSWORD = "proxy_load", "proxy-load-db-password"
CLIENTS = 200
INSERTS_PER_CLIENT = 5
POOL_SIZE = 10


@pytest.fixture(scope="module")
def load_user(proxy_backend: MariaDBServer) -> str:
    proxy_backend.create_user(LOAD_USER, LOAD_PASSWORD, f"ALL PRIVILEGES ON {DATABASE}.*")
    proxy_backend.execute(
        f"CREATE TABLE IF NOT EXISTS {DATABASE}.load_rows (id INT AUTO_INCREMENT PRIMARY KEY, "
        "client INT NOT NULL, n INT NOT NULL)"
    )
    return LOAD_USER


@contextmanager
def processlist_sampler(backend: MariaDBServer, user: str) -> Iterator[list[int]]:
    """Count the user's sessions on MariaDB every few milliseconds; yields the samples taken."""
    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        with backend.root_connection() as connection:
            cursor = connection.cursor()
            while not stop.is_set():
                cursor.execute("SELECT COUNT(*) FROM information_schema.processlist WHERE user = %s", (user,))
                samples.append(int(cursor.fetchone()[0]))
                stop.wait(0.005)

    thread = threading.Thread(target=sample)
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join()


def test_200_clients_share_a_pool_of_10(
    start_proxy: Callable[..., RunningProxy], ca_path: str, proxy_backend: MariaDBServer, load_user: str
) -> None:
    proxy = start_proxy(
        max_connections=POOL_SIZE,
        borrow_timeout_seconds=60.0,
        secrets={load_user: LOAD_PASSWORD},
    )
    token = mint_token(proxy.port, user=load_user)  # tokens are not single-use: one serves every client
    all_connected = threading.Barrier(CLIENTS, timeout=120)
    errors: list[BaseException] = []
    peak_clients: list[int] = []

    def client(number: int) -> None:
        try:
            connection = connect_mysqlclient(proxy, ca_path, user=load_user, password=token, autocommit=True)
        except BaseException as error:
            errors.append(error)
            all_connected.abort()
            raise
        try:
            if all_connected.wait() == 0:
                peak_clients.append(proxy.stats()["ClientConnections"])
            cursor = connection.cursor()
            for n in range(INSERTS_PER_CLIENT):
                cursor.execute("INSERT INTO load_rows (client, n) VALUES (%s, %s)", (number, n))
        except BaseException as error:
            errors.append(error)
            raise
        finally:
            connection.close()

    started = time.monotonic()
    with processlist_sampler(proxy_backend, load_user) as samples, ThreadPoolExecutor(CLIENTS) as executor:
        list(executor.map(client, range(CLIENTS)))
    elapsed = time.monotonic() - started

    stats = proxy.stats()
    print(
        f"\n{CLIENTS} clients x {INSERTS_PER_CLIENT} inserts through a pool of {POOL_SIZE}: {elapsed:.1f} s, "
        f"peak MariaDB sessions {max(samples)} over {len(samples)} samples, "
        f"peak DatabaseConnections {stats['peak_database_connections']}, "
        f"borrow latency µs {stats['DatabaseConnectionsBorrowLatency']}"
    )
    assert errors == []
    assert peak_clients == [CLIENTS]
    rows = proxy_backend.query(f"SELECT COUNT(*), COUNT(DISTINCT client) FROM {DATABASE}.load_rows")
    assert rows == [(CLIENTS * INSERTS_PER_CLIENT, CLIENTS)]
    assert len(samples) > 10
    assert 0 < max(samples) <= POOL_SIZE
    assert stats["peak_database_connections"] <= POOL_SIZE
    assert stats["borrow_timeouts"] == 0
    assert stats["pinned_sessions_total"] == 0


def test_50_simultaneous_tls_logins(start_proxy: Callable[..., RunningProxy], ca_path: str) -> None:
    """The asyncio trap: a buffered reader would swallow ClientHellos and hang concurrent TLS handshakes."""
    proxy = start_proxy()
    token = mint_token(proxy.port)
    clients = 50
    go = threading.Barrier(clients, timeout=60)

    def log_in(_: int) -> int:
        go.wait()
        connection = connect_mysqlclient(proxy, ca_path, password=token, connect_timeout=10)
        try:
            return int(scalar(connection, "SELECT 1"))
        finally:
            connection.close()

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as executor:
        results = list(executor.map(log_in, range(clients)))
    print(f"\n{clients} simultaneous TLS logins in {time.monotonic() - started:.2f} s")
    assert results == [1] * clients
    assert proxy.stats()["ClientConnectionsSetupSucceeded"] == clients
