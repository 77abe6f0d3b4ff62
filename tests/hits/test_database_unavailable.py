"""Database failures get a short, true answer: why, and whether the capture was stored.

Each failure here is real: a port where nothing listens, a connection broken by a relay after the
INSERT ran, a table locked by another session, a server switched to read-only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from local_mariadb import MariaDBServer
from tests.mysql_fault_relay import MySQLFaultRelay, is_commit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.mariadb_only]

NOTHING_STORED = "Nothing was stored."
MAYBE_STORED = "It may or may not have been stored."
LIMITED_USER, LIMITED_PASSWORD = "limited_app", "limited-app-password"


@contextmanager
def default_connection(**settings: Any) -> Iterator[None]:
    """Reconnect the default alias with other settings for the duration."""
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(settings)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)


def stored_hits(server: MariaDBServer) -> int:
    return int(server.query(f"SELECT COUNT(*) FROM {connection.settings_dict['NAME']}.hits_hit")[0][0])


def test_unreachable_database_capture_gets_503_nothing_stored(client: Client, unreachable_database) -> None:
    response = client.post("/hook", b"{}", content_type="application/json")
    text = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/plain")
    assert text == f"The database cannot be reached. {NOTHING_STORED} Please retry later.\n"


def test_unreachable_database_pages_get_503_and_the_api_answers_json(
    client: Client, unreachable_database
) -> None:
    page = client.get("/_/")
    api = client.get("/_/api/hits")
    assert page.status_code == api.status_code == 503
    assert page.content.decode() == "The database cannot be reached. Please retry later.\n"
    assert api.json() == {"error": "The database cannot be reached. Please retry later."}
    assert api["Retry-After"] == "5"


def test_a_connection_lost_after_the_commit_ran_never_claims_nothing_was_stored(
    client: Client, mariadb_server: MariaDBServer
) -> None:
    # A capture is one transaction (the hit and its search keys): the row is stored once COMMIT ran.
    before = stored_hits(mariadb_server)
    with (
        MySQLFaultRelay(mariadb_server.port, is_commit) as relay,
        default_connection(PORT=str(relay.port)),
    ):
        response = client.post("/hook", b"x" * 256 * 1024, content_type="application/octet-stream")
    assert relay.stats.dropped_after_answer == 1
    assert response.status_code == 502
    assert response.content.decode() == (
        f"The connection to the database was lost while the request was being stored. {MAYBE_STORED}\n"
    )
    assert "Retry-After" not in response
    # The claim "nothing was stored" would have been false: the row is there.
    assert stored_hits(mariadb_server) == before + 1


def test_a_table_locked_by_another_session_is_busy_and_nothing_is_stored(
    client: Client, mariadb_server: MariaDBServer
) -> None:
    database = connection.settings_dict["NAME"]
    mariadb_server.execute("SET GLOBAL lock_wait_timeout = 1")
    try:
        with mariadb_server.root_connection(database) as locker:
            locker.cursor().execute("LOCK TABLES hits_hit WRITE")
            with default_connection():  # a new session, which reads the 1 s lock wait timeout
                response = client.post("/hook", b"{}", content_type="application/json")
            locker.cursor().execute("UNLOCK TABLES")
    finally:
        mariadb_server.execute("SET GLOBAL lock_wait_timeout = DEFAULT")
    assert response.status_code == 503
    assert response.content.decode() == f"The database is busy. {NOTHING_STORED} Please retry later.\n"
    assert stored_hits(mariadb_server) == 0


@pytest.fixture
def limited_user(mariadb_server: MariaDBServer) -> Iterator[dict[str, str]]:
    """An app-like user (no SUPER, which read_only would not stop)."""
    database = connection.settings_dict["NAME"]
    mariadb_server.create_user(LIMITED_USER, LIMITED_PASSWORD, f"SELECT, INSERT ON {database}.*")
    yield {"USER": LIMITED_USER, "PASSWORD": LIMITED_PASSWORD}
    mariadb_server.execute(f"DROP USER '{LIMITED_USER}'@'%'")


def test_a_read_only_database_is_reported_as_such_and_nothing_is_stored(
    client: Client, mariadb_server: MariaDBServer, limited_user: dict[str, str]
) -> None:
    mariadb_server.execute("SET GLOBAL read_only = 1")
    try:
        with default_connection(**limited_user):
            response = client.post("/hook", b"{}", content_type="application/json")
    finally:
        mariadb_server.execute("SET GLOBAL read_only = 0")
    assert response.status_code == 503
    assert response.content.decode() == (
        f"The database accepts no writes right now (maintenance or failover). {NOTHING_STORED} "
        "Please retry later.\n"
    )
    assert stored_hits(mariadb_server) == 0
