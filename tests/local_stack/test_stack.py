"""The one local-stack assembly: the site's settings it hands out, and a stand-in found by its ready file."""

from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path

import MySQLdb
import pytest

from local_rds_proxy import build_auth_token
from local_stack import ADMIN_USER, APP_USER, CREDENTIAL, DATABASE, REGION, LocalStack, database_url
from local_stack.stack import ROLE_PASSWORDS


def test_the_site_environment_points_both_roles_at_the_stand_in(tmp_path: Path) -> None:
    stack = LocalStack(tmp_path)

    environment = stack.site_environment(proxy_port=3406)

    assert environment == {
        "DATABASE_URL": f"mysql-iam://webhook_app@127.0.0.1:3406/{DATABASE}",
        "DATABASE_ADMIN_URL": f"mysql-iam://webhook_admin@127.0.0.1:3406/{DATABASE}",
        "DATABASE_CA_BUNDLE": str(tmp_path / "certificates" / "ca.pem"),
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": CREDENTIAL.access_key_id,
        "AWS_SECRET_ACCESS_KEY": CREDENTIAL.secret_access_key,
    }
    assert Path(environment["DATABASE_CA_BUNDLE"]).is_file()


def test_another_database_changes_only_the_urls_path(tmp_path: Path) -> None:
    environment = LocalStack(tmp_path).database_environment(proxy_port=1, database="fanin")

    assert environment["DATABASE_URL"] == database_url(APP_USER, 1, "fanin")
    assert environment["DATABASE_ADMIN_URL"] == database_url(ADMIN_USER, 1, "fanin")


def test_the_stand_in_holds_the_passwords_it_is_given(tmp_path: Path) -> None:
    stack = LocalStack(tmp_path, passwords={APP_USER: "from-a-secret"})

    assert stack.password(APP_USER) == "from-a-secret"
    assert stack.password(ADMIN_USER) == ROLE_PASSWORDS[ADMIN_USER]  # the stack's own, unchanged


def test_nothing_database_bound_before_a_database(tmp_path: Path) -> None:
    stack = LocalStack(tmp_path)

    with pytest.raises(RuntimeError, match="no database yet"):
        stack.bootstrap_environment()
    with pytest.raises(RuntimeError, match="no database yet"):
        stack.proxy_config()


@pytest.mark.mariadb_only
def test_a_stand_in_process_is_found_through_its_ready_file(site_stack: LocalStack) -> None:
    process = site_stack.start_stand_in_process("ready-file-check", max_connections=2)
    try:
        ready = json.loads(process.ready_path.read_text())
        assert (ready["port"], ready["stats_port"]) == (process.port, process.stats_port)
        token = build_auth_token(f"127.0.0.1:{process.port}", APP_USER, CREDENTIAL, REGION)
        connection = MySQLdb.connect(
            host="127.0.0.1",
            port=process.port,
            user=APP_USER,
            password=token,
            database=site_stack.database,
            ssl={"ca": str(site_stack.ca_path)},
            ssl_mode="VERIFY_IDENTITY",
        )
        connection.close()
        with urllib.request.urlopen(f"http://127.0.0.1:{process.stats_port}/stats", timeout=5) as response:
            assert json.load(response)["MaxDatabaseConnectionsAllowed"] == 2
    finally:
        process.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", process.port), timeout=5).close()
