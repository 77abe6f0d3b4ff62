"""bootstrap_db_users against MariaDB's real privilege system."""

from __future__ import annotations

import MySQLdb
import pytest

from db_roles.bootstrap import bootstrap_db_users
from local_mariadb import MariaDBServer
from tests.conftest import HARNESS_PASSWORD, HARNESS_USER

pytestmark = pytest.mark.mariadb_only

DATABASE = "bootstrap_probe"
APP = {"USER": "probe_app", "NAME": DATABASE}
ADMIN = {"USER": "probe_admin", "NAME": DATABASE}


@pytest.fixture
def master(mariadb_server: MariaDBServer, monkeypatch: pytest.MonkeyPatch) -> MariaDBServer:
    """A fresh server state: no probe database or users; the harness user acts as the RDS master."""
    mariadb_server.execute(
        f"DROP DATABASE IF EXISTS {DATABASE}",
        "DROP USER IF EXISTS probe_app@'%'",
        "DROP USER IF EXISTS probe_admin@'%'",
    )
    url = f"mysql://{HARNESS_USER}:{HARNESS_PASSWORD}@{mariadb_server.host}:{mariadb_server.port}/"
    monkeypatch.setenv("DATABASE_MASTER_URL", url)
    monkeypatch.setenv("DATABASE_APP_PASSWORD", "app-secret")
    monkeypatch.setenv("DATABASE_ADMIN_PASSWORD", "admin-secret")
    return mariadb_server


def connect(server: MariaDBServer, user: str, password: str) -> MySQLdb.Connection:
    return MySQLdb.connect(
        host=server.host, port=server.port, user=user, password=password, database=DATABASE, autocommit=True
    )


def test_fresh_server_gets_both_users_and_a_rerun_changes_nothing(master: MariaDBServer) -> None:
    changes = bootstrap_db_users(app=APP, admin=ADMIN)
    assert changes == [
        f"created database {DATABASE}",
        "created user probe_app",
        f"granted DELETE, INSERT, SELECT, UPDATE on {DATABASE} to probe_app",
        "created user probe_admin",
        f"granted ALTER, CREATE, DELETE, DROP, INDEX, INSERT, REFERENCES, SELECT, UPDATE on {DATABASE} "
        "to probe_admin",
    ]
    assert bootstrap_db_users(app=APP, admin=ADMIN) == [
        "nothing to change: probe_app, probe_admin are as wanted"
    ]


@pytest.mark.parametrize(
    "ddl",
    [
        "CREATE TABLE sneaky (id INT)",
        "ALTER TABLE things ADD COLUMN extra INT",
        "DROP TABLE things",
        "CREATE INDEX things_name ON things (name)",
    ],
)
def test_app_user_cannot_run_ddl(master: MariaDBServer, ddl: str) -> None:
    bootstrap_db_users(app=APP, admin=ADMIN)
    admin = connect(master, "probe_admin", "admin-secret")
    admin.cursor().execute("CREATE TABLE things (id INT PRIMARY KEY, name VARCHAR(10))")
    app = connect(master, "probe_app", "app-secret")
    with pytest.raises(MySQLdb.OperationalError) as refused:
        app.cursor().execute(ddl)
    assert refused.value.args[0] == 1142  # ER_TABLEACCESS_DENIED_ERROR: MariaDB's own privilege check


def test_app_user_reads_and_writes_rows(master: MariaDBServer) -> None:
    bootstrap_db_users(app=APP, admin=ADMIN)
    connect(master, "probe_admin", "admin-secret").cursor().execute("CREATE TABLE things (id INT)")
    cursor = connect(master, "probe_app", "app-secret").cursor()
    cursor.execute("INSERT INTO things VALUES (1)")
    cursor.execute("UPDATE things SET id = 2")
    cursor.execute("SELECT id FROM things")
    assert cursor.fetchall() == ((2,),)
    cursor.execute("DELETE FROM things")


def test_extra_privileges_are_revoked_on_rerun(master: MariaDBServer) -> None:
    bootstrap_db_users(app=APP, admin=ADMIN)
    master.execute(f"GRANT DROP ON {DATABASE}.* TO probe_app@'%'", "GRANT PROCESS ON *.* TO probe_app@'%'")
    changes = bootstrap_db_users(app=APP, admin=ADMIN)
    assert f"revoked DROP on {DATABASE} from probe_app" in changes
    assert "revoked global privileges from probe_app" in changes
    assert bootstrap_db_users(app=APP, admin=ADMIN)[0].startswith("nothing to change")


def test_reset_passwords_follows_the_secret(master: MariaDBServer, monkeypatch: pytest.MonkeyPatch) -> None:
    bootstrap_db_users(app=APP, admin=ADMIN)
    monkeypatch.setenv("DATABASE_APP_PASSWORD", "rotated")
    assert "reset the password of probe_app to its secret's" in bootstrap_db_users(
        reset_passwords=True, app=APP, admin=ADMIN
    )
    connect(master, "probe_app", "rotated").close()
