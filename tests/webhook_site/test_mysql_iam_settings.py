"""The IAM backend's configuration rules, checked without a server."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.mysql.base import DatabaseWrapper as PlainMySQLWrapper

from webhook_site.database_config import database_settings
from webhook_site.db.iam_auth import tokens_minted
from webhook_site.db.mysql_iam.base import DatabaseWrapper

PROXY_URL = "mysql-iam://webhook_app@proxy.example.com:3306/webhook_site"


@pytest.fixture
def iam_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", PROXY_URL)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)


def wrapper(settings_dict: dict) -> DatabaseWrapper:
    return DatabaseWrapper({**settings_dict, "TIME_ZONE": None}, alias="probe")


def test_mysql_iam_url_selects_the_backend_with_verified_tls_and_reuse(iam_environment: None) -> None:
    database = database_settings("DATABASE_URL", default="sqlite://")
    assert database["ENGINE"] == "webhook_site.db.mysql_iam"
    assert (database["HOST"], database["PORT"], database["USER"], database["PASSWORD"]) == (
        "proxy.example.com",
        3306,
        "webhook_app",
        "",
    )
    assert database["CONN_MAX_AGE"] == 600
    assert database["CONN_HEALTH_CHECKS"] is True
    options = database["OPTIONS"]
    assert options["ssl_mode"] == "VERIFY_IDENTITY"
    assert options["autocommit"] is True
    assert options["isolation_level"] is None
    assert "init_command" not in options


def test_connection_params_carry_a_fresh_token_for_that_host_and_port(iam_environment: None) -> None:
    backend = wrapper(database_settings("DATABASE_URL", default="sqlite://"))
    minted_before = tokens_minted.count
    first = backend.get_connection_params()
    backend.get_connection_params()
    assert tokens_minted.count == minted_before + 2
    assert first["password"].startswith("proxy.example.com:3306/?Action=connect&DBUser=webhook_app&")
    assert "X-Amz-Expires=900" in first["password"]
    assert "%2Feu-west-1%2Frds-db%2Faws4_request" in first["password"]
    assert first["ssl_mode"] == "VERIFY_IDENTITY"
    assert "aws_region" not in first


def test_a_password_in_settings_is_refused(iam_environment: None) -> None:
    settings_dict = database_settings("DATABASE_URL", default="sqlite://")
    settings_dict["PASSWORD"] = "hunter2"
    with pytest.raises(ImproperlyConfigured, match="remove the password"):
        wrapper(settings_dict).get_connection_params()


def test_unverified_tls_is_refused(iam_environment: None) -> None:
    settings_dict = database_settings("DATABASE_URL", default="sqlite://")
    settings_dict["OPTIONS"]["ssl_mode"] = "REQUIRED"
    with pytest.raises(ImproperlyConfigured, match="unverified server"):
        wrapper(settings_dict).get_connection_params()


def test_missing_region_is_a_clear_error(iam_environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    with pytest.raises(ImproperlyConfigured, match="AWS region not set"):
        wrapper(database_settings("DATABASE_URL", default="sqlite://")).get_connection_params()


def test_missing_plugin_fails_with_an_actionable_message() -> None:
    # A separate process: this one may already have the plugin loaded.
    script = (
        "import django; from django.conf import settings; settings.configure();"
        "from webhook_site.db.clear_password_plugin import ensure_clear_password_plugin;"
        "ensure_clear_password_plugin()"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        env={**os.environ, "MARIADB_PLUGIN_DIR": "/nonexistent"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "cannot load the mysql_clear_password plugin" in result.stderr
    assert "MARIADB_PLUGIN_DIR" in result.stderr


def test_plain_mysql_backend_is_untouched() -> None:
    assert not issubclass(PlainMySQLWrapper, DatabaseWrapper)
