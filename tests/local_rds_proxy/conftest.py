"""Fixtures for the RDS Proxy stand-in: certificates, backend users, proxies and clients with IAM tokens."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import MySQLdb
import pymysql
import pytest

from local_mariadb import MariaDBServer
from local_rds_proxy import (
    AwsCredential,
    CertificatePaths,
    ProxyConfig,
    ProxyServer,
    RunningProxy,
    make_test_certificates,
)

REGION = "eu-west-1"
ACCOUNT_KEY = AwsCredential("AKIALOCALPROXYTEST01", "local-proxy-secret-key")
SESSION_KEY = AwsCredential("ASIALOCALPROXYTEST02", "local-proxy-session-secret", "local-proxy-session-token")
APP_USER, APP_PASSWORD = "proxy_app", "proxy-app-db-password"
OTHER_USER, OTHER_PASSWORD = "proxy_other", "proxy-other-db-password"
DATABASE = "proxy_test"


@pytest.fixture(scope="session")
def proxy_certificates(tmp_path_factory: pytest.TempPathFactory) -> CertificatePaths:
    return make_test_certificates(tmp_path_factory.mktemp("proxy-certificates"))


@pytest.fixture(scope="session")
def proxy_backend(mariadb_server: MariaDBServer) -> MariaDBServer:
    """The harness MariaDB with the users and database the proxy tests log in to."""
    mariadb_server.create_user(APP_USER, APP_PASSWORD, "ALL PRIVILEGES ON *.*")
    mariadb_server.create_user(OTHER_USER, OTHER_PASSWORD, f"SELECT ON {DATABASE}.*")
    mariadb_server.execute(
        f"CREATE DATABASE IF NOT EXISTS {DATABASE}",
        f"CREATE TABLE IF NOT EXISTS {DATABASE}.items (id INT AUTO_INCREMENT PRIMARY KEY, "
        "client INT NOT NULL, note VARCHAR(100) NOT NULL DEFAULT '')",
    )
    return mariadb_server


def proxy_config(backend: MariaDBServer, certificates: CertificatePaths, **overrides: Any) -> ProxyConfig:
    settings: dict[str, Any] = {
        "tls_cert": certificates.server_cert,
        "tls_key": certificates.server_key,
        "backend_port": backend.port,
        "secrets": {APP_USER: APP_PASSWORD, OTHER_USER: OTHER_PASSWORD},
        "credentials": [ACCOUNT_KEY, SESSION_KEY],
        "region": REGION,
        "max_connections": 10,
        "borrow_timeout_seconds": 10.0,
        "idle_client_timeout_seconds": 300.0,
        "stats_log_interval_seconds": 0,
    }
    settings.update(overrides)
    return ProxyConfig(**settings)


@pytest.fixture
def start_proxy(
    proxy_backend: MariaDBServer, proxy_certificates: CertificatePaths
) -> Iterator[Callable[..., RunningProxy]]:
    """Start a proxy in this process with some settings overridden; stopped after the test."""
    running: list[RunningProxy] = []

    def start(**overrides: Any) -> RunningProxy:
        proxy = ProxyServer(proxy_config(proxy_backend, proxy_certificates, **overrides)).start_in_thread()
        running.append(proxy)
        return proxy

    yield start
    for proxy in running:
        proxy.stop()


@pytest.fixture(scope="module")
def shared_proxy(
    proxy_backend: MariaDBServer, proxy_certificates: CertificatePaths
) -> Iterator[RunningProxy]:
    """One proxy (pool of 10) shared by the tests of a module that do not need special settings."""
    with ProxyServer(proxy_config(proxy_backend, proxy_certificates)).start_in_thread() as proxy:
        yield proxy


def mint_token(
    port: int, user: str = APP_USER, host: str = "127.0.0.1", credential: AwsCredential = ACCOUNT_KEY
) -> str:
    """A token exactly as an application makes one: boto3's generate_db_auth_token."""
    rds = boto3.client(
        "rds",
        region_name=REGION,
        aws_access_key_id=credential.access_key_id,
        aws_secret_access_key=credential.secret_access_key,
        aws_session_token=credential.session_token,
    )
    return rds.generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user)


@pytest.fixture(scope="session")
def ca_path(proxy_certificates: CertificatePaths) -> str:
    return str(proxy_certificates.ca_cert)


def connect_mysqlclient(
    proxy: RunningProxy,
    ca: str,
    user: str = APP_USER,
    password: str | None = None,
    **options: Any,
) -> MySQLdb.Connection:
    """mysqlclient over verified TLS (VERIFY_IDENTITY against the test CA), logging in with a fresh token."""
    settings: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": proxy.port,
        "user": user,
        "password": password if password is not None else mint_token(proxy.port, user),
        "database": DATABASE,
        "ssl": {"ca": ca},
        "ssl_mode": "VERIFY_IDENTITY",
        "connect_timeout": 20,
    }
    settings.update(options)
    return MySQLdb.connect(**settings)


def connect_pymysql(
    proxy: RunningProxy, ca: str, user: str = APP_USER, password: str | None = None, **options: Any
) -> pymysql.Connection:
    """PyMySQL over verified TLS; PyMySQL answers the mysql_clear_password switch by itself."""
    settings: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": proxy.port,
        "user": user,
        "password": password if password is not None else mint_token(proxy.port, user),
        "database": DATABASE,
        "ssl_ca": ca,
        "ssl_verify_identity": True,
        "connect_timeout": 20,
    }
    settings.update(options)
    return pymysql.connect(**settings)


def scalar(connection: Any, sql: str) -> Any:
    """Run one query on a DB-API connection and return the first column of the first row."""
    cursor = connection.cursor()
    cursor.execute(sql)
    row = cursor.fetchone()
    cursor.close()
    return row[0] if row else None


def wait_until_backend_gone(backend: MariaDBServer, thread_id: int, timeout: float = 5.0) -> None:
    """Wait for MariaDB to drop a session (the proxy closes connections asynchronously)."""
    deadline = time.monotonic() + timeout
    query = "SELECT COUNT(*) FROM information_schema.processlist WHERE id = %s"
    while backend.query(query, [thread_id])[0][0]:
        assert time.monotonic() < deadline, f"backend session {thread_id} is still open"
        time.sleep(0.01)


def wait_for_stats(
    proxy: RunningProxy, condition: Callable[[dict[str, Any]], bool], timeout: float = 5.0
) -> dict[str, Any]:
    """Poll the proxy's stats until ``condition`` holds (a client's COM_QUIT is handled asynchronously)."""
    deadline = time.monotonic() + timeout
    while not condition(stats := proxy.stats()):
        assert time.monotonic() < deadline, f"stats never satisfied the condition: {stats}"
        time.sleep(0.005)
    return stats
