"""Fixtures for the RDS Proxy stand-in: certificates, backend users, proxies (helpers: proxy_clients.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local_mariadb import MariaDBServer
from local_rds_proxy import CertificatePaths, ProxyServer, RunningProxy, make_test_certificates
from tests.local_rds_proxy.proxy_clients import (
    APP_PASSWORD,
    APP_USER,
    DATABASE,
    OTHER_PASSWORD,
    OTHER_USER,
    proxy_config,
)


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


@pytest.fixture(scope="session")
def ca_path(proxy_certificates: CertificatePaths) -> str:
    return str(proxy_certificates.ca_cert)
