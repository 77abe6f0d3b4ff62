"""The IAM backend's configuration rules, checked without a server."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import boto3
import botocore.session
import certifi
import MySQLdb
import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.mysql.base import DatabaseWrapper as PlainMySQLWrapper

from site_platform.aws import aws_credentials
from webhook_site.database_config import database_settings
from webhook_site.db.iam_auth import mint_auth_token, tokens_minted
from webhook_site.db.mysql_iam.base import DatabaseWrapper

PROXY_URL = "mysql-iam://webhook_app@proxy.example.com:3306/webhook_site"


@pytest.fixture
def iam_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", PROXY_URL)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)
    monkeypatch.delenv("DATABASE_READ_TIMEOUT_SECONDS", raising=False)


def wrapper(settings_dict: dict[str, Any]) -> DatabaseWrapper:
    return DatabaseWrapper({**settings_dict, "TIME_ZONE": None}, alias="probe")


def test_mysql_iam_url_selects_the_backend_with_reuse_and_leaves_tls_to_it(iam_environment: None) -> None:
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
    assert "ssl" not in options
    assert "ssl_mode" not in options  # the backend's default (VERIFY_IDENTITY), owned there alone
    assert options["autocommit"] is True
    assert options["isolation_level"] is None
    assert "init_command" not in options


def test_web_connections_time_out_reads_after_20_seconds(iam_environment: None) -> None:
    options = database_settings("DATABASE_URL")["OPTIONS"]

    assert (options["connect_timeout"], options["read_timeout"], options["write_timeout"]) == (5, 20, 20)


def test_a_read_timeout_of_0_means_none(iam_environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # What the admin stage sets: a long DDL statement must not be abandoned by the client.
    monkeypatch.setenv("DATABASE_READ_TIMEOUT_SECONDS", "0")

    options = database_settings("DATABASE_URL")["OPTIONS"]

    assert "read_timeout" not in options
    assert (options["connect_timeout"], options["write_timeout"]) == (5, 20)


def test_schema_work_asks_for_no_read_timeout_whatever_the_environment_says(iam_environment: None) -> None:
    options = database_settings("DATABASE_URL", read_timeout_seconds=0)["OPTIONS"]

    assert "read_timeout" not in options


def test_plain_mysql_has_no_read_timeout_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://user:pw@127.0.0.1:3306/site")
    assert "read_timeout" not in database_settings("DATABASE_URL")["OPTIONS"]

    monkeypatch.setenv("DATABASE_READ_TIMEOUT_SECONDS", "7")
    assert database_settings("DATABASE_URL")["OPTIONS"]["read_timeout"] == 7


def test_a_negative_read_timeout_is_refused(iam_environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_READ_TIMEOUT_SECONDS", "-1")

    with pytest.raises(ImproperlyConfigured, match="DATABASE_READ_TIMEOUT_SECONDS must be 0"):
        database_settings("DATABASE_URL")


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
    assert first["ssl"] == {"ca": certifi.where()}
    assert "aws_region" not in first


def test_a_ca_bundle_of_its_own_replaces_only_the_backends_default_bundle(
    iam_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_CA_BUNDLE", "/opt/rds/global-bundle.pem")

    params = wrapper(database_settings("DATABASE_URL")).get_connection_params()

    assert params["ssl"] == {"ca": "/opt/rds/global-bundle.pem"}
    assert params["ssl_mode"] == "VERIFY_IDENTITY"


def test_a_password_in_settings_is_refused(iam_environment: None) -> None:
    settings_dict = database_settings("DATABASE_URL", default="sqlite://")
    settings_dict["PASSWORD"] = "hunter2"
    with pytest.raises(ImproperlyConfigured, match="remove the password"):
        wrapper(settings_dict).get_connection_params()


@pytest.mark.parametrize("ssl_mode", ["REQUIRED", "VERIFY_CA", "PREFERRED", "DISABLED"])
def test_tls_that_does_not_verify_the_host_name_is_refused(iam_environment: None, ssl_mode: str) -> None:
    # VERIFY_CA checks the certificate's issuer, not that it names the proxy.
    settings_dict = database_settings("DATABASE_URL", default="sqlite://")
    settings_dict["OPTIONS"]["ssl_mode"] = ssl_mode
    with pytest.raises(ImproperlyConfigured, match="unverified server"):
        wrapper(settings_dict).get_connection_params()


def test_a_refused_configuration_is_the_drivers_operational_error_too(iam_environment: None) -> None:
    # What lets Django turn it into django.db.OperationalError, and the site into a 503.
    settings_dict = database_settings("DATABASE_URL")
    settings_dict["PASSWORD"] = "hunter2"
    with pytest.raises(MySQLdb.OperationalError):
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


@pytest.mark.parametrize("session_token", [None, "FwoGZXIvYXdzEXAMPLE//session+token="])
def test_token_is_byte_identical_to_boto3s(
    iam_environment: None, monkeypatch: pytest.MonkeyPatch, session_token: str | None
) -> None:
    if session_token:  # Lambda's role credentials come with a session token
        monkeypatch.setenv("AWS_SESSION_TOKEN", session_token)
    aws_credentials.cache_clear()
    with time_machine.travel("2026-11-22 12:00:00+00:00", tick=False):
        ours = mint_auth_token("proxy.example.com", 3306, "webhook_app", "eu-west-1")
        boto3s = (
            boto3.session.Session()
            .client("rds", region_name="eu-west-1")
            .generate_db_auth_token(
                DBHostname="proxy.example.com", Port=3306, DBUsername="webhook_app", Region="eu-west-1"
            )
        )
    assert ours == boto3s
    assert ("X-Amz-Security-Token" in ours) == bool(session_token)
    aws_credentials.cache_clear()


def test_missing_credentials_is_a_clear_error(iam_environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    aws_credentials.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match="no AWS credentials"):
            mint_auth_token("proxy.example.com", 3306, "webhook_app", "eu-west-1")
    finally:
        aws_credentials.cache_clear()


def test_environment_credentials_need_no_botocore_session(
    iam_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lambda puts the role's keys in the environment; building a Session there is wasted cold start.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENTONLY01")
    monkeypatch.setattr(botocore.session, "Session", session_must_not_be_built)
    aws_credentials.cache_clear()
    try:
        assert aws_credentials().access_key == "AKIAENVIRONMENTONLY01"
    finally:
        aws_credentials.cache_clear()


def session_must_not_be_built(*args: object, **kwargs: object) -> None:
    raise AssertionError("a botocore Session was built although the environment has credentials")


def test_credentials_outside_the_environment_come_from_botocores_chain(
    iam_environment: None, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    credentials_file = tmp_path / "credentials"
    credentials_file.write_text(
        "[default]\naws_access_key_id = AKIAFROMTHEFILE00001\naws_secret_access_key = x\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials_file))
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    aws_credentials.cache_clear()
    try:
        assert aws_credentials().access_key == "AKIAFROMTHEFILE00001"
    finally:
        aws_credentials.cache_clear()
