"""Two functions, two roles, on the production path: the web and admin stages' own settings modules
under Zappa's real LambdaHandler, through the RDS Proxy stand-in, which lets each function's keys in
only as the users its role's policy (infra/webhook-site.yaml, resolved by tests/template_stack.py)
allows, as IAM would."""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import MySQLdb
import pytest
from django.core.management import call_command
from django.db import OperationalError, connections
from django.db.migrations.recorder import MigrationRecorder
from MySQLdb.constants import CR
from zappa.handler import LambdaHandler

from db_roles.admin_role import SchemaAdminElsewhere
from db_roles.migration_summary import current_database_user, migration_state
from local_rds_proxy import AwsCredential
from local_stack import ADMIN_USER, APP_USER, REGION
from tests.db_roles.hits_migrations import hits_migrations
from tests.lambda_events import LambdaContext
from tests.proxy_stack import ProxyStack, default_alias_on_proxy, sign_as, use_aws_test_account
from tests.template_stack import role_credential, stand_in_iam
from tests.webhook_site.test_lambda_handler import reset_handler_singleton, save_python_settings
from tests.wsgi_client import WsgiClient
from webhook_site.database_config import PROXY_READ_WRITE_TIMEOUT_SECONDS
from webhook_site.db.iam_auth import mint_auth_token

pytestmark = [pytest.mark.mariadb_only, pytest.mark.django_db(transaction=True)]

SLOW_STATEMENT_SECONDS = importlib.import_module(
    "tests.db_roles.slow_migration.migrations.0001_longer_than_the_read_timeout"
).STATEMENT_SECONDS
WEB = role_credential("WebFunctionRole", REGION)
ADMIN = role_credential("AdminFunctionRole", REGION)
ACCESS_DENIED = 1045


def backend_logins(stack: ProxyStack, user: str) -> int:
    """How many times MariaDB itself saw ``user`` log in (the stand-in logs in per backend connection)."""
    rows = stack.server.query(
        "SELECT TOTAL_CONNECTIONS FROM information_schema.USER_STATISTICS WHERE USER = %s", [user]
    )
    return int(rows[0][0]) if rows else 0


@pytest.fixture
def stack(make_stack: Callable[..., ProxyStack]) -> Iterator[ProxyStack]:
    """A stand-in that knows the two functions' role keys, each with its role's policy."""
    stack = make_stack(**stand_in_iam(REGION))
    stack.server.execute("SET GLOBAL userstat = 1", "FLUSH USER_STATISTICS")
    try:
        yield stack
    finally:
        stack.server.execute("SET GLOBAL userstat = 0")


@contextmanager
def stage_function(
    stage: str, stack: ProxyStack, credential: AwsCredential, user: str, tmp_path: Path, **environment: str
) -> Iterator[None]:
    """The stage's function at a cold start: Zappa's handler built from the stage's settings module
    (it exports the stage's environment), then the database URL and keys pointed at the stand-in;
    ``environment`` overrides the stage's variables."""
    save_python_settings(stage, tmp_path)
    saved_environment = dict(os.environ)
    reset_handler_singleton()
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(tmp_path))
        LambdaHandler("zappa_settings")
        use_aws_test_account(patch)  # the stage exported its own region; sign for the stand-in's
        sign_as(credential, patch)
        # The stage points libmariadb at the plugin inside the Lambda package (/var/task/...); this
        # process uses the dev venv's Debian libmariadb, which finds Debian's copy by itself.
        patch.delenv("MARIADB_PLUGIN_DIR", raising=False)
        try:
            with default_alias_on_proxy(stack, patch, user=user, **environment):
                yield
        finally:
            reset_handler_singleton()
            sys.modules.pop("zappa_settings", None)
    # The handler exported the stage's variables outside the patch: put the environment back.
    os.environ.clear()
    os.environ.update(saved_environment)


@pytest.fixture
def admin_function(stack: ProxyStack, tmp_path: Path) -> Iterator[ProxyStack]:
    with stage_function("production_admin", stack, ADMIN, ADMIN_USER, tmp_path):
        yield stack
    call_command("migrate", verbosity=0)  # leave every migration applied for the next test


@pytest.fixture
def web_function(stack: ProxyStack, tmp_path: Path) -> Iterator[ProxyStack]:
    with stage_function("production", stack, WEB, APP_USER, tmp_path):
        yield stack


def handler_invoke(event: dict[str, Any]) -> Any:
    return LambdaHandler("zappa_settings").handler(event, LambdaContext())


def login_error(stack: ProxyStack, user: str) -> tuple[int, str]:
    """Log in as ``user`` with a token signed by this process's keys; the refusal's code and text."""
    token = mint_auth_token("127.0.0.1", stack.proxy.port, user, REGION)
    with pytest.raises(MySQLdb.OperationalError) as refused:
        stack.driver_login(user, token)
    return refused.value.args[0], refused.value.args[1]


def test_the_web_functions_keys_cannot_log_in_as_the_admin(web_function: ProxyStack) -> None:
    assert current_database_user() == f"{APP_USER}@%"  # the same keys do get in as the app user

    code, message = login_error(web_function, ADMIN_USER)

    assert code == ACCESS_DENIED
    assert f"dbuser:prx-0123456789abcdef0/{ADMIN_USER}" in message
    assert web_function.stats()["auth_failures_by_reason"] == {"not_authorized": 1}


def test_the_admin_functions_keys_cannot_log_in_as_the_app_user(admin_function: ProxyStack) -> None:
    assert login_error(admin_function, APP_USER)[0] == ACCESS_DENIED
    assert admin_function.stats()["auth_failures_by_reason"] == {"not_authorized": 1}


def test_zappa_manage_migrate_runs_in_the_admin_function_as_the_admin_user(
    admin_function: ProxyStack,
) -> None:
    call_command("migrate", "hits", "zero", verbosity=0)
    assert "hits.0001_initial" in migration_state()[1]

    assert handler_invoke({"manage": "migrate"}) == {}

    applied, unapplied = migration_state()
    assert "hits.0001_initial" in applied
    assert unapplied == []
    assert backend_logins(admin_function, ADMIN_USER) >= 1
    assert backend_logins(admin_function, APP_USER) == 0
    assert "read_timeout" not in connections["default"].settings_dict["OPTIONS"]  # the stage's 0


def test_zappa_invoke_migrate_in_the_admin_function_returns_a_summary(admin_function: ProxyStack) -> None:
    call_command("migrate", "hits", "zero", verbosity=0)

    summary = handler_invoke({"command": "webhook_site.lambda_tasks.migrate"})

    assert summary["database_user"] == f"{ADMIN_USER}@%"
    assert summary["applied"] == hits_migrations()
    assert summary["unapplied"] == []
    assert "  Applying hits.0001_initial... OK" in summary["output"]
    assert handler_invoke({"command": "webhook_site.lambda_tasks.migration_status"})["up_to_date"] is True


def test_zappa_manage_migrate_in_the_web_function_is_refused_naming_the_admin_stage(
    web_function: ProxyStack,
) -> None:
    logins_before = web_function.stats()["ClientConnectionsReceived"]

    with pytest.raises(SchemaAdminElsewhere) as refused:
        handler_invoke({"manage": "migrate"})

    assert "zappa manage production_admin migrate" in str(refused.value)
    assert web_function.stats()["ClientConnectionsReceived"] == logins_before  # nothing attempted


def test_web_requests_use_only_the_app_user(web_function: ProxyStack) -> None:
    client = WsgiClient()
    for _ in range(3):
        assert client.post("/after/deploy", b"{}", content_type="application/json").status_code == 200
    assert client.get("/_/api/hits").status_code == 200
    assert current_database_user() == f"{APP_USER}@%"
    assert backend_logins(web_function, ADMIN_USER) == 0


@pytest.mark.parametrize(
    "ddl",
    ["CREATE TABLE sneaky (id INT)", "ALTER TABLE hits_hit ADD COLUMN sneaky INT", "DROP TABLE hits_hit"],
)
def test_the_app_user_cannot_run_ddl_through_the_proxy(web_function: ProxyStack, ddl: str) -> None:
    assert current_database_user() == f"{APP_USER}@%"
    with pytest.raises(OperationalError) as refused, connections["default"].cursor() as cursor:
        cursor.execute(ddl)
    assert refused.value.args[0] == 1142


@contextmanager
def slow_migration_installed() -> Iterator[None]:
    """tests.db_roles.slow_migration among the apps; its migration record removed afterwards."""
    from django.test import modify_settings

    with modify_settings(INSTALLED_APPS={"append": "tests.db_roles.slow_migration"}):
        try:
            yield
        finally:
            MigrationRecorder(connections["default"]).migration_qs.filter(app="slow_migration").delete()


@pytest.mark.slow
def test_a_migration_statement_longer_than_the_web_read_timeout_succeeds_in_the_admin_function(
    stack: ProxyStack, tmp_path: Path
) -> None:
    with stage_function("production_admin", stack, ADMIN, ADMIN_USER, tmp_path), slow_migration_installed():
        started = time.monotonic()
        handler_invoke({"manage": "migrate slow_migration"})
        seconds = time.monotonic() - started
        assert ("slow_migration", "0001_longer_than_the_read_timeout") in (
            MigrationRecorder(connections["default"]).applied_migrations()
        )
    assert seconds >= SLOW_STATEMENT_SECONDS > PROXY_READ_WRITE_TIMEOUT_SECONDS


@pytest.mark.slow
def test_negative_control_with_the_web_paths_read_timeout_the_same_migration_fails(
    stack: ProxyStack, tmp_path: Path
) -> None:
    web_timeout = str(PROXY_READ_WRITE_TIMEOUT_SECONDS)
    with (
        stage_function(
            "production_admin", stack, ADMIN, ADMIN_USER, tmp_path, DATABASE_READ_TIMEOUT_SECONDS=web_timeout
        ),
        slow_migration_installed(),
    ):
        started = time.monotonic()
        with pytest.raises(OperationalError) as lost:
            handler_invoke({"manage": "migrate slow_migration"})
        assert PROXY_READ_WRITE_TIMEOUT_SECONDS <= time.monotonic() - started < SLOW_STATEMENT_SECONDS
        # Over TLS libmariadb reports its read timeout as CR_SSL_CONNECTION_ERROR "TLS/SSL error:
        # Connection timed out (110)": the client gave up on a statement the server went on to finish.
        assert lost.value.args[0] == CR.SSL_CONNECTION_ERROR
        assert "timed out" in lost.value.args[1]
        connections["default"].close()
        assert (
            not MigrationRecorder(connections["default"]).migration_qs.filter(app="slow_migration").exists()
        )
