"""Test servers shared by the whole suite.

`make test` runs the suite twice: first on a MariaDB server that this harness starts itself from the
installed binaries (TEST_DATABASE=mariadb, the default), then the portable part on the embedded
SQLite default (TEST_DATABASE=sqlite, tests marked ``mariadb_only`` deselected). The closing summary
names the backends that were actually used.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator

import pytest

from local_mariadb import MariaDBServer

pytest_plugins = ["tests.proxy_stack", "tests.lambda_package"]

TEST_DATABASE = os.environ.get("TEST_DATABASE", "mariadb")
HARNESS_USER = "harness"
HARNESS_PASSWORD = "harness-password"  # a throwaway server on 127.0.0.1 only
BACKENDS_USED: set[str] = set()


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[MariaDBServer]:
    """A private MariaDB started for this run; torn down at the end."""
    if TEST_DATABASE != "mariadb":
        pytest.fail("this test needs MariaDB: mark it mariadb_only so the SQLite pass deselects it")
    server = MariaDBServer().start()
    server.create_user(HARNESS_USER, HARNESS_PASSWORD, "ALL PRIVILEGES ON *.*", grant_option=True)
    BACKENDS_USED.add(f"MariaDB {server.version} (started by the harness on {server.host}:{server.port})")
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request: pytest.FixtureRequest) -> None:
    """Point Django's default database at the harness server before pytest-django creates the test DB."""
    from django.conf import settings
    from django.db import connections

    if TEST_DATABASE == "mariadb":
        server: MariaDBServer = request.getfixturevalue("mariadb_server")
        settings.DATABASES["default"].update(
            ENGINE="django.db.backends.mysql",
            NAME="webhook_site",
            USER=HARNESS_USER,
            PASSWORD=HARNESS_PASSWORD,
            HOST=server.host,
            PORT=str(server.port),
            OPTIONS={"charset": "utf8mb4"},
        )
        settings.DATABASES["default"].setdefault("TEST", {}).update(
            CHARSET="utf8mb4", COLLATION="utf8mb4_unicode_ci"
        )
        # A connection object made before this point would still carry the SQLite settings.
        connections.close_all()
        for alias in list(connections.settings):
            with contextlib.suppress(AttributeError):
                del connections[alias]
        connections.settings = connections.configure_settings(settings.DATABASES)
    else:
        BACKENDS_USED.add(f"SQLite {sqlite3.sqlite_version} (embedded default)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if TEST_DATABASE == "mariadb":
        return
    kept = [item for item in items if "mariadb_only" not in item.keywords]
    deselected = [item for item in items if "mariadb_only" in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def pytest_report_header(config: pytest.Config) -> str:
    return f"test database pass: {TEST_DATABASE} (TEST_DATABASE)"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    used = ", ".join(sorted(BACKENDS_USED)) or "none"
    terminalreporter.write_line(f"database backends used: {used}")


@pytest.fixture
def unreachable_database() -> Iterator[None]:
    """Point the default connection at a port where nothing listens, then restore it."""
    from django.db import connection

    original = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-dir/db.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(original)


@pytest.fixture(scope="session", autouse=True)
def collected_static_files(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Serve static files the way production does: collected once, then served by WhiteNoise."""
    from django.conf import settings
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path_factory.mktemp("staticfiles")
    call_command("collectstatic", "--noinput", verbosity=0)
