"""A mysql_iam configuration that cannot log in is a system-check error at start-up, never a 500.

The servers (local_server, runserver) refuse to start with the check ids listed; a process that
skipped the checks answers a request with the 503 of an unreachable database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections
from django.db.utils import load_backend

from local_mariadb.server import free_port
from tests.wsgi_client import WsgiClient
from webhook_site.database_config import database_settings
from webhook_site.db.mysql_iam.checks import check_iam_databases

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60
# Everything the backend can be short of, at once: a password, no region, no credentials, a mode
# that skips the host name check, and no clear-password plugin to load.
BROKEN_URL = "mysql-iam://webhook_app:hunter2@127.0.0.1:3306/webhook_site?ssl_mode=VERIFY_CA"
EVERY_CHECK = {f"mysql_iam.E00{number}" for number in range(1, 7)} - {"mysql_iam.E002"}
GUNICORN = ["-m", "local_server", "--port", "{port}", "--workers", "1"]
RUNSERVER = ["manage.py", "runserver", "--noreload", "127.0.0.1:{port}"]


def no_aws_environment() -> dict[str, str]:
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "DATABASE_", "DJANGO_", "MARIADB_"))
    }
    return inherited | {
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.parametrize("server", [GUNICORN, RUNSERVER], ids=["local_server", "runserver"])
def test_a_server_refuses_to_start_on_an_iam_url_that_cannot_log_in(server: list[str]) -> None:
    port = free_port()
    environment = no_aws_environment() | {"DATABASE_URL": BROKEN_URL, "MARIADB_PLUGIN_DIR": "/nonexistent"}
    result = subprocess.run(  # noqa: S603 - this venv's Python on our own modules
        [sys.executable, *[argument.format(port=port) for argument in server]],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_SECONDS,
        check=False,
    )

    assert result.returncode != 0
    for check_id in EVERY_CHECK:
        assert check_id in result.stderr, result.stderr
    assert "SystemCheckError" in result.stderr or "not serving" in result.stderr
    assert not listening(port)


def test_the_checks_pass_a_configuration_that_can_log_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    with swapped_default("mysql-iam://webhook_app@proxy.example.com:3306/webhook_site", monkeypatch):
        assert check_iam_databases(databases=["default"]) == []
        # Without --database, Django runs no database-tagged check at all.
        assert check_iam_databases(databases=None) == []


def test_verify_ca_is_reported_as_not_verifying(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    url = "mysql-iam://webhook_app@proxy.example.com:3306/webhook_site?ssl_mode=VERIFY_CA"
    with swapped_default(url, monkeypatch):
        errors = check_iam_databases(databases=["default"])
    assert [error.id for error in errors] == ["mysql_iam.E005"]
    assert "VERIFY_CA" in errors[0].msg


@pytest.mark.django_db(transaction=True)
def test_a_request_that_meets_the_misconfiguration_gets_a_503_not_a_500(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    url = "mysql-iam://webhook_app@127.0.0.1:3306/webhook_site"
    with swapped_default(url, monkeypatch):
        client = WsgiClient()
        capture = client.post("/hooks/first", b"{}", content_type="application/json")
        api = client.get("/_/api/hits")

    assert capture.status_code == 503
    assert capture.content == b"The database cannot be reached. Nothing was stored. Please retry later.\n"
    assert "Retry-After" in capture
    assert api.status_code == 503
    assert api.json() == {"error": "The database cannot be reached. Please retry later."}


@contextmanager
def swapped_default(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The default alias on ``url`` (through database_config, as settings do), restored afterwards."""
    monkeypatch.setenv("TEST_SWAPPED_DATABASE_URL", url)
    settings_dict = connections.configure_settings(
        {"default": database_settings("TEST_SWAPPED_DATABASE_URL")}
    )
    original = connections["default"]
    original.close()
    backend = load_backend(settings_dict["default"]["ENGINE"])
    connections["default"] = backend.DatabaseWrapper(settings_dict["default"], "default")
    try:
        yield
    finally:
        connections["default"].close()
        connections["default"] = original


@pytest.fixture(autouse=True)
def fresh_credentials() -> Iterator[None]:
    from site_platform.aws import forget_aws_credentials

    forget_aws_credentials()
    yield
    forget_aws_credentials()
