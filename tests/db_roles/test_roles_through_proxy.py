"""Two roles on the production path: IAM tokens for both users through the RDS Proxy stand-in,
migrations driven by the exact events `zappa invoke` and `zappa manage` send to the real handler."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError, connections
from zappa.handler import LambdaHandler

from db_roles.migration_summary import current_database_user, migration_state
from tests.lambda_events import LambdaContext
from tests.proxy_stack import ADMIN_USER, APP_USER, ProxyStack, default_alias_on_proxy, use_aws_test_account
from tests.webhook_site.test_lambda_handler import reset_handler_singleton, save_python_settings
from tests.wsgi_client import WsgiClient

pytestmark = [pytest.mark.mariadb_only, pytest.mark.django_db(transaction=True)]


def backend_logins(stack: ProxyStack, user: str) -> int:
    """How many times MariaDB itself saw ``user`` log in (the stand-in logs in per backend connection)."""
    rows = stack.server.query(
        "SELECT TOTAL_CONNECTIONS FROM information_schema.USER_STATISTICS WHERE USER = %s", [user]
    )
    return int(rows[0][0]) if rows else 0


@pytest.fixture
def stack(make_stack: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ProxyStack]:
    """The default alias as the app user via the stand-in; DATABASE_ADMIN_URL names the admin user there.

    Zappa's handler is built first, as at a cold start (it exports the stage's environment), then the
    database variables are pointed at the local stand-in.
    """
    save_python_settings("production", tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    saved_environment = dict(os.environ)
    reset_handler_singleton()
    LambdaHandler("zappa_settings")
    use_aws_test_account(monkeypatch)  # the stage exported its own region; sign for the stand-in's
    # The stage points libmariadb at the plugin inside the Lambda package (/var/task/...); this
    # process uses the dev venv's Debian libmariadb, which finds Debian's copy by itself.
    monkeypatch.delenv("MARIADB_PLUGIN_DIR", raising=False)
    stack = make_stack()
    stack.server.execute("SET GLOBAL userstat = 1", "FLUSH USER_STATISTICS")
    try:
        with default_alias_on_proxy(stack, monkeypatch, DATABASE_ADMIN_URL=stack.url(ADMIN_USER)):
            yield stack
    finally:
        stack.server.execute("SET GLOBAL userstat = 0")
        reset_handler_singleton()
        sys.modules.pop("zappa_settings", None)
        # monkeypatch would restore the stage's exported values on top of ours: undo it first.
        monkeypatch.undo()
        os.environ.clear()
        os.environ.update(saved_environment)
        call_command("migrate", verbosity=0)  # leave every migration applied for the next test


def handler_invoke(event: dict[str, Any]) -> Any:
    return LambdaHandler("zappa_settings").handler(event, LambdaContext())


def test_zappa_manage_migrate_runs_as_the_admin_user(stack: ProxyStack) -> None:
    call_command("migrate", "hits", "zero", verbosity=0)
    assert "hits.0001_initial" in migration_state()[1]
    assert handler_invoke({"manage": "migrate"}) == {}
    applied, unapplied = migration_state()
    assert "hits.0001_initial" in applied
    assert unapplied == []
    assert backend_logins(stack, ADMIN_USER) >= 1


def test_zappa_invoke_migrate_returns_a_summary_as_admin(stack: ProxyStack) -> None:
    call_command("migrate", "hits", "zero", verbosity=0)
    summary = handler_invoke({"command": "webhook_site.lambda_tasks.migrate"})
    assert summary["database_user"] == f"{ADMIN_USER}@%"
    assert summary["applied"] == ["hits.0001_initial"]
    assert summary["unapplied"] == []
    assert "  Applying hits.0001_initial... OK" in summary["output"]
    status = handler_invoke({"command": "webhook_site.lambda_tasks.migration_status"})
    assert status["up_to_date"] is True


def test_web_requests_after_a_migrate_event_use_only_the_app_user(stack: ProxyStack) -> None:
    handler_invoke({"command": "webhook_site.lambda_tasks.migrate"})
    assert connections["default"].connection is None  # the admin connection was closed
    assert connections["default"].settings_dict["USER"] == APP_USER
    assert stack.settled_stats(ClientConnections=0)["ClientConnections"] == 0
    admin_logins = backend_logins(stack, ADMIN_USER)
    client = WsgiClient()
    for _ in range(3):
        assert client.post("/after/migrate", b"{}", content_type="application/json").status_code == 200
    assert client.get("/_/api/hits").status_code == 200
    assert current_database_user() == f"{APP_USER}@%"
    assert backend_logins(stack, ADMIN_USER) == admin_logins  # the web path never logged in as admin


@pytest.mark.parametrize(
    "ddl",
    ["CREATE TABLE sneaky (id INT)", "ALTER TABLE hits_hit ADD COLUMN sneaky INT", "DROP TABLE hits_hit"],
)
def test_the_app_user_cannot_run_ddl_through_the_proxy(stack: ProxyStack, ddl: str) -> None:
    assert current_database_user() == f"{APP_USER}@%"
    with pytest.raises(OperationalError) as refused, connections["default"].cursor() as cursor:
        cursor.execute(ddl)
    assert refused.value.args[0] == 1142
