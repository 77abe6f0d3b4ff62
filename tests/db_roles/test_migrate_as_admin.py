"""migrate runs as the admin user on the default alias; the web path stays on the app user."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.commands.migrate import Command as DjangoMigrateCommand
from django.db import OperationalError, connection, connections
from django.db.models.signals import pre_migrate
from django.test import Client, override_settings

from db_roles.admin_role import SchemaAdminElsewhere, admin_settings, as_schema_admin
from db_roles.bootstrap import bootstrap_db_users
from db_roles.migration_summary import current_database_user
from local_mariadb import MariaDBServer
from tests.db_roles.hits_migrations import hits_migrations
from webhook_site import lambda_tasks
from webhook_site.database_config import database_settings

pytestmark = [pytest.mark.mariadb_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_roles(mariadb_server: MariaDBServer, monkeypatch: pytest.MonkeyPatch, settings) -> Iterator[None]:
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
    settings.SCHEMA_ADMIN_DATABASE = database_settings("DATABASE_ADMIN_URL", read_timeout_seconds=0)
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


def test_without_the_admin_role_the_app_user_cannot_migrate(two_roles: None, settings) -> None:
    settings.SCHEMA_ADMIN_DATABASE = None
    with pytest.raises(OperationalError) as refused:
        call_command("migrate", "hits", "zero", verbosity=0)
    assert refused.value.args[0] == 1142


def test_lambda_migrate_task_summarises_and_hands_back_to_the_app_user(
    two_roles: None, mariadb_server: MariaDBServer
) -> None:
    call_command("migrate", "hits", "zero", verbosity=0)
    summary = lambda_tasks.migrate({"command": "webhook_site.lambda_tasks.migrate"}, None)
    assert summary["database_user"] == "roles_admin@%"
    assert summary["applied"] == hits_migrations()
    assert summary["unapplied"] == []
    assert "roles_admin" not in logged_in_users(mariadb_server)  # the admin connection was closed
    response = Client().post("/after-migrate", b"x", content_type="text/plain")
    assert response.status_code == 200
    assert current_database_user() == "roles_app@%"
    status = lambda_tasks.migration_status({"command": "webhook_site.lambda_tasks.migration_status"}, None)
    assert status["up_to_date"] is True


def user_seen_by_another_thread() -> str:
    """CURRENT_USER() of a fresh connection made by another thread of this process."""
    seen: list[str] = []

    def query() -> None:
        try:
            seen.append(current_database_user())
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=query)
    thread.start()
    thread.join(30)
    return seen[0]


def identities_during_a_migration(swap: Callable[[], AbstractContextManager[Any]]) -> dict[str, str]:
    """Who this thread and another thread are, seen from inside a migration run under ``swap``."""
    seen: dict[str, str] = {}

    def while_migrating(**kwargs: Any) -> None:
        if "migrating" not in seen:  # pre_migrate fires once per app
            seen["migrating"] = current_database_user()
            seen["other thread"] = user_seen_by_another_thread()

    pre_migrate.connect(while_migrating, dispatch_uid="identities_during_a_migration")
    try:
        with swap():
            # Django's own migrate: the block's swap is the one under test.
            call_command(DjangoMigrateCommand(), "hits", verbosity=0)
    finally:
        pre_migrate.disconnect(dispatch_uid="identities_during_a_migration")
    return seen


@contextmanager
def swap_in_place() -> Iterator[None]:
    """The negative control: the swap this module used to make, updating the shared settings dict."""
    saved = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD")}
    admin = admin_settings(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(USER=admin["USER"], PASSWORD=admin["PASSWORD"])
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def test_other_threads_keep_the_app_user_while_a_migration_runs(two_roles: None) -> None:
    call_command("migrate", "hits", "zero", verbosity=0)

    seen = identities_during_a_migration(as_schema_admin)

    assert seen == {"migrating": "roles_admin@%", "other thread": "roles_app@%"}
    assert connections.settings["default"]["USER"] == "roles_app"


def test_negative_control_updating_the_shared_settings_logs_other_threads_in_as_admin(
    two_roles: None,
) -> None:
    call_command("migrate", "hits", "zero", verbosity=0)

    seen = identities_during_a_migration(swap_in_place)

    assert seen == {"migrating": "roles_admin@%", "other thread": "roles_admin@%"}


def test_the_admin_connection_has_no_read_timeout(two_roles: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_READ_TIMEOUT_SECONDS", "20")  # what the web path runs with
    shared = connection.settings_dict

    with as_schema_admin():
        assert "read_timeout" not in connection.settings_dict["OPTIONS"]
        assert connection.settings_dict is not shared

    assert connection.settings_dict is shared


def test_the_admin_stage_migrates_as_its_own_user(two_roles: None) -> None:
    # The admin stage's DATABASE_URL is the admin user and it has no DATABASE_ADMIN_URL: no swap.
    call_command("migrate", "hits", "zero", verbosity=0)
    connection.close()
    connection.settings_dict.update(USER="roles_admin", PASSWORD="admin-pw")
    with override_settings(SCHEMA_ADMIN_DATABASE=None):
        output = StringIO()
        call_command("migrate", stdout=output)
    assert "Migrating as database user roles_admin." in output.getvalue()
    assert "Applying hits.0001_initial... OK" in output.getvalue()
    connection.close()
    connection.settings_dict.update(USER="roles_app", PASSWORD="app-pw")


@pytest.fixture
def web_stage(two_roles: None) -> Iterator[None]:
    """A web stage's function: connects as the app user and names its admin stage."""
    # Undone before two_roles migrates back.
    with pytest.MonkeyPatch.context() as patch, override_settings(SCHEMA_ADMIN_DATABASE=None):
        patch.setenv("SCHEMA_ADMIN_STAGE", "production_admin")
        yield


@pytest.mark.parametrize(
    ("task", "command"),
    [
        (lambda: call_command("migrate", verbosity=0), "zappa manage production_admin migrate"),
        (lambda: lambda_tasks.migrate({}, None), "zappa manage production_admin migrate"),
        (
            lambda: lambda_tasks.bootstrap_db_users({}, None),
            "zappa invoke production_admin webhook_site.lambda_tasks.bootstrap_db_users",
        ),
        (
            lambda: lambda_tasks.create_superuser({}, None),
            "zappa invoke production_admin webhook_site.lambda_tasks.create_superuser",
        ),
    ],
    ids=["manage migrate", "migrate task", "bootstrap task", "superuser task"],
)
def test_a_web_stage_refuses_admin_tasks_naming_the_admin_stage(
    web_stage: None, task: Callable[[], Any], command: str
) -> None:
    connection.close()
    with pytest.raises(SchemaAdminElsewhere) as refused:
        task()
    assert command in str(refused.value)
    assert "connects only as the app user" in str(refused.value)
    assert connection.connection is None  # refused before logging in
