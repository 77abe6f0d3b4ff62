"""Django on the production database path, locally: IAM-token backend -> RDS Proxy stand-in -> MariaDB.

Used by the tests of the IAM backend, the two database roles and the Lambda handler. The default
alias is switched to the mysql_iam backend exactly as production configures it (DATABASE_URL =
mysql-iam://..., CA bundle, AWS credentials and region from the environment), pointed at an
in-process stand-in whose secrets hold the real database passwords -- all assembled by local_stack,
on the harness's MariaDB. Registered as a pytest plugin (tests/conftest.py), so its fixtures serve
every test package.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import MySQLdb
import pytest
from django.db import connection, connections
from django.db.utils import load_backend

from db_roles.bootstrap import bootstrap_db_users
from local_mariadb import MariaDBServer
from local_rds_proxy import AwsCredential, RunningProxy
from local_stack import ADMIN_USER, APP_USER, LocalStack, aws_environment, database_url
from site_platform import aws
from webhook_site.database_config import database_settings

# The tests' stand-ins: a small pool, and a borrow timeout short enough for a test to wait out.
TEST_POOL: dict[str, Any] = {"max_connections": 10, "borrow_timeout_seconds": 5.0}


@dataclass
class ProxyStack:
    proxy: RunningProxy
    server: MariaDBServer
    database: str
    ca_path: str

    def url(self, user: str = APP_USER) -> str:
        return database_url(user, self.proxy.port, self.database)

    def stats(self) -> dict[str, Any]:
        return self.proxy.stats()

    def settled_stats(self, timeout: float = 2.0, **expected: int) -> dict[str, Any]:
        """Stats once the stand-in's own thread has processed what the client already did.

        Closing a connection returns at once on our side; the stand-in sees the socket close a moment
        later on its event loop. Returns as soon as every ``expected`` gauge matches.
        """
        deadline = time.monotonic() + timeout
        while True:
            stats = self.stats()
            if all(stats[name] == value for name, value in expected.items()) or time.monotonic() > deadline:
                return stats
            time.sleep(0.005)

    def driver_login(self, user: str, password: str) -> Any:
        """A plain mysqlclient login at the stand-in (no Django), over TLS verified as the app does."""
        return MySQLdb.connect(
            host="127.0.0.1",
            port=self.proxy.port,
            user=user,
            password=password,
            database=self.database,
            ssl={"ca": self.ca_path},
            ssl_mode="VERIFY_IDENTITY",
        )

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Read the real table as root, around the proxy and Django."""
        with self.server.root_connection(self.database) as connection:
            cursor = connection.cursor()
            cursor.execute(sql)
            return list(cursor.fetchall())


def create_database_users(stack: LocalStack) -> None:
    """The two roles with exactly their grants, made by our own bootstrap_db_users."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in stack.bootstrap_environment().items():
            patch.setenv(name, value)
        bootstrap_db_users(
            app={"USER": APP_USER, "NAME": stack.database}, admin={"USER": ADMIN_USER, "NAME": stack.database}
        )


def use_aws_test_account(monkeypatch: pytest.MonkeyPatch) -> None:
    """The credentials and region a Lambda would have in its environment, for the stand-in's account."""
    for name, value in aws_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # Credentials are resolved once per process: forget any earlier test's.
    aws.forget_aws_credentials()


def sign_as(credential: AwsCredential, monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's AWS keys, as a function whose role holds ``credential`` has them."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credential.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credential.secret_access_key)
    aws.forget_aws_credentials()


@contextmanager
def default_alias_on_proxy(
    stack: ProxyStack, monkeypatch: pytest.MonkeyPatch, user: str = APP_USER, **environment: str
) -> Iterator[Any]:
    """Swap the default connection for the production one (mysql_iam via the stand-in, as ``user``),
    then restore it."""
    monkeypatch.setenv("DATABASE_URL", stack.url(user))
    monkeypatch.setenv("DATABASE_CA_BUNDLE", stack.ca_path)
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    production = connections.configure_settings({"default": database_settings("DATABASE_URL")})["default"]
    original = connections["default"]
    original.close()
    wrapper = load_backend(production["ENGINE"]).DatabaseWrapper(production, "default")
    connections["default"] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        connections["default"] = original


@pytest.fixture(scope="session")
def site_stack(
    mariadb_server: MariaDBServer,
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> LocalStack:
    """The local stack on the harness's MariaDB and migrated test database, with the app and admin
    users created by bootstrap_db_users (as the harness's own user, standing in for RDS's master)."""
    with django_db_blocker.unblock():
        harness = connection.settings_dict
        stack = LocalStack(tmp_path_factory.mktemp("local-stack"), database=harness["NAME"])
        stack.use_database(mariadb_server, harness["USER"], harness["PASSWORD"])
        create_database_users(stack)
    return stack


@pytest.fixture
def make_stack(
    site_stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., ProxyStack]]:
    """Start stand-ins (pool settings overridable) in front of the harness MariaDB; stopped after the test."""
    use_aws_test_account(monkeypatch)
    started: list[RunningProxy] = []

    def make(**proxy_settings: Any) -> ProxyStack:
        proxy = site_stack.start_stand_in(**(TEST_POOL | proxy_settings))
        started.append(proxy)
        return ProxyStack(proxy, site_stack.server, site_stack.database, str(site_stack.ca_path))

    yield make
    for proxy in started:
        proxy.stop()
