from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from local_mariadb import MariaDBServer
from local_rds_proxy import CertificatePaths, RunningProxy, make_test_certificates
from tests.proxy_stack import ProxyStack, create_database_users, start_stand_in, use_aws_test_account


@pytest.fixture(scope="session")
def stack_certificates(tmp_path_factory: pytest.TempPathFactory) -> CertificatePaths:
    return make_test_certificates(tmp_path_factory.mktemp("stack-certificates"))


@pytest.fixture(scope="session")
def stack_database(mariadb_server: MariaDBServer, django_db_setup: None, django_db_blocker: Any) -> str:
    """The migrated test database, with the app and admin users created by bootstrap_db_users."""
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]
        create_database_users(mariadb_server, database, connection.settings_dict)
    return database


@pytest.fixture
def make_stack(
    mariadb_server: MariaDBServer,
    stack_certificates: CertificatePaths,
    stack_database: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., ProxyStack]]:
    """Start stand-ins (pool settings overridable) in front of the harness MariaDB; stopped after the test."""
    use_aws_test_account(monkeypatch)
    started: list[RunningProxy] = []

    def make(**proxy_settings: Any) -> ProxyStack:
        proxy = start_stand_in(mariadb_server, stack_certificates, **proxy_settings)
        started.append(proxy)
        return ProxyStack(proxy, mariadb_server, stack_database, str(stack_certificates.ca_cert))

    yield make
    for proxy in started:
        proxy.stop()
