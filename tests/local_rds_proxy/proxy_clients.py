"""Clients and settings for testing the RDS Proxy stand-in: tokens, driver connections, waiting helpers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import boto3
import MySQLdb
import pymysql

from local_mariadb import MariaDBServer
from local_rds_proxy import AwsCredential, CertificatePaths, ProxyConfig, RunningProxy

REGION = "eu-west-1"
ACCOUNT_KEY = AwsCredential("AKIALOCALPROXYTEST01", "local-proxy-secret-key")
SESSION_KEY = AwsCredential("ASIALOCALPROXYTEST02", "local-proxy-session-secret", "local-proxy-session-token")
APP_USER, APP_PASSWORD = "proxy_app", "proxy-app-db-password"
OTHER_USER, OTHER_PASSWORD = "proxy_other", "proxy-other-db-password"
DATABASE = "proxy_test"


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


def mint_token(
    port: int,
    user: str = APP_USER,
    host: str = "127.0.0.1",
    credential: AwsCredential = ACCOUNT_KEY,
    region: str = REGION,
) -> str:
    """A token exactly as an application makes one: boto3's generate_db_auth_token."""
    rds = boto3.client(
        "rds",
        region_name=region,
        aws_access_key_id=credential.access_key_id,
        aws_secret_access_key=credential.secret_access_key,
        aws_session_token=credential.session_token,
    )
    return rds.generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user)


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
