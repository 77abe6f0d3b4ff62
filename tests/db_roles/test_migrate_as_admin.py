"""migrate runs as the admin user on the default alias; the web path stays on the app user."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client

from db_roles.bootstrap import bootstrap_db_users
from db_roles.migration_summary import current_database_user
from local_mariadb import MariaDBServer
from webhook_site import lambda_tasks

pytestmark = [pytest.mark.mariadb_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_roles(mariadb_server: MariaDBServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test database served the production way: default alias = app user, admin via DATABASE_ADMIN_URL."""
    database = connection.settings_dict["NAME"]
    master = dict(connection.settings_dict)
    monkeypatch.setenv(
        "DATABASE_MASTER_URL",
        f"mysql://{master['USER']}:{master['PASSWORD']}@{master['HOST']}:{master['PORT']}/",
    )
    monkeypatch.setenv("DATABASE_APP_PASSWORD", "app-pw")
    monkeypatch.setenv("DATABASE_ADMIN_PASSWORD", "admin-pw")
    bootstrap_db_users(
        app={"USER": "roles_app", "NAME": database}, admin={"USER": "roles_admin", "NAME": database}
    )
    monkeypatch.setenv(
        "DATABASE_ADMIN_URL", f"mysql://roles_admin:admin-pw@{master['HOST']}:{master['PORT']}/{database}"
    )
    connection.close()
    connection.settings_dict.update(USER="roles_app", PASSWORD="app-pw")
    yield
    connection.close()
    connection.settings_dict.update(USER=master["USER"], PASSWORD=master["PASSWORD"])
    call_command("migrate", verbosity=0)  # leave the schema complete for the next test


def logged_in_users(server: MariaDBServer) -> set[str]:
    return {row[0] for row in server.query("SELECT USER FROM information_schema.PROCESSLIST")}


def test_plain_migrate_runs_as_the_admin_user(two_roles: None) -> None:
    # Unapply as admin first, so that migrate has real DDL to do.
    call_command("migrate", "hits", "zero", verbosity=0)
    output = StringIO()
    call_command("migrate", stdout=output)
    assert "Migrating as database user roles_admin." in output.getvalue()
    assert "Applying hits.0001_initial... OK" in output.getvalue()
    assert current_database_user() == "roles_app@%"


def test_without_the_admin_role_the_app_user_cannot_migrate(
    two_roles: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_ADMIN_URL")
    with pytest.raises(OperationalError) as refused:
        call_command("migrate", "hits", "zero", verbosity=0)
    assert refused.value.args[0] == 1142


def test_lambda_migrate_task_summarises_and_hands_back_to_the_app_user(
    two_roles: None, mariadb_server: MariaDBServer
) -> None:
    call_command("migrate", "hits", "zero", verbosity=0)
    summary = lambda_tasks.migrate({"command": "webhook_site.lambda_tasks.migrate"}, None)
    assert summary["database_user"] == "roles_admin@%"
    assert summary["applied"] == ["hits.0001_initial"]
    assert summary["unapplied"] == []
    assert "roles_admin" not in logged_in_users(mariadb_server)  # the admin connection was closed
    response = Client().post("/after-migrate", b"x", content_type="text/plain")
    assert response.status_code == 200
    assert current_database_user() == "roles_app@%"
    status = lambda_tasks.migration_status({"command": "webhook_site.lambda_tasks.migration_status"}, None)
    assert status["up_to_date"] is True
