"""Logging in through the stand-in: TLS is required and verified, only valid IAM tokens get in."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Callable
from typing import Any

import MySQLdb
import pymysql
import pytest
import time_machine

from local_mariadb import MariaDBServer
from local_rds_proxy import AwsCredential, RunningProxy, make_test_certificates
from tests.local_rds_proxy.proxy_clients import (
    ACCOUNT_KEY,
    APP_PASSWORD,
    APP_USER,
    OTHER_USER,
    REGION,
    SESSION_KEY,
    connect_mysqlclient,
    connect_pymysql,
    mint_token,
    scalar,
)

pytestmark = pytest.mark.mariadb_only

ACCESS_DENIED = 1045
TLS_REQUIRED = 3159


def mysqlclient_error(proxy: RunningProxy, ca: str, **options: Any) -> tuple[int, str]:
    with pytest.raises(MySQLdb.OperationalError) as caught:
        connect_mysqlclient(proxy, ca, **options)
    return caught.value.args[0], caught.value.args[1]


def pymysql_error(proxy: RunningProxy, ca: str, **options: Any) -> tuple[int, str]:
    with pytest.raises(pymysql.err.OperationalError) as caught:
        connect_pymysql(proxy, ca, **options)
    return caught.value.args[0], caught.value.args[1]


def test_mysqlclient_logs_in_with_a_token_over_verified_tls(shared_proxy: RunningProxy, ca_path: str) -> None:
    connection = connect_mysqlclient(shared_proxy, ca_path)
    assert scalar(connection, "SELECT CURRENT_USER()") == f"{APP_USER}@%"
    connection.close()


def test_pymysql_logs_in_with_a_token_over_verified_tls(shared_proxy: RunningProxy, ca_path: str) -> None:
    connection = connect_pymysql(shared_proxy, ca_path)
    assert scalar(connection, "SELECT DATABASE()") == "proxy_test"
    connection.close()


def test_token_minted_with_session_credentials_is_accepted(shared_proxy: RunningProxy, ca_path: str) -> None:
    token = mint_token(shared_proxy.port, credential=SESSION_KEY)
    connection = connect_mysqlclient(shared_proxy, ca_path, password=token)
    assert scalar(connection, "SELECT 1") == 1
    connection.close()


def test_handshake_mirrors_the_backend_version(
    shared_proxy: RunningProxy, ca_path: str, proxy_backend: MariaDBServer
) -> None:
    connection = connect_pymysql(shared_proxy, ca_path)
    # MariaDB prefixes its greeting with "5.5.5-" for old clients; the proxy mirrors it unchanged.
    assert connection.get_server_info().removeprefix("5.5.5-") == proxy_backend.version
    connection.close()


def test_expired_token_is_refused(shared_proxy: RunningProxy, ca_path: str) -> None:
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16), tick=False):
        stale = mint_token(shared_proxy.port)
    code, message = mysqlclient_error(shared_proxy, ca_path, password=stale)
    assert code == ACCESS_DENIED
    assert message.startswith(f"Access denied for user '{APP_USER}'@'%' (using password: YES)")
    assert "expired" in message


def test_token_for_another_user_is_refused(shared_proxy: RunningProxy, ca_path: str) -> None:
    token = mint_token(shared_proxy.port, user=OTHER_USER)
    assert mysqlclient_error(shared_proxy, ca_path, password=token)[0] == ACCESS_DENIED


def test_token_with_a_wrong_signature_is_refused(shared_proxy: RunningProxy, ca_path: str) -> None:
    forged = AwsCredential(ACCOUNT_KEY.access_key_id, "a-guessed-secret-key")
    token = mint_token(shared_proxy.port, credential=forged)
    assert pymysql_error(shared_proxy, ca_path, password=token)[0] == ACCESS_DENIED


def test_token_for_another_host_port_is_refused(shared_proxy: RunningProxy, ca_path: str) -> None:
    token = mint_token(shared_proxy.port + 1)
    assert mysqlclient_error(shared_proxy, ca_path, password=token)[0] == ACCESS_DENIED


def test_plain_database_password_is_refused(shared_proxy: RunningProxy, ca_path: str) -> None:
    assert mysqlclient_error(shared_proxy, ca_path, password=APP_PASSWORD)[0] == ACCESS_DENIED
    assert pymysql_error(shared_proxy, ca_path, password=APP_PASSWORD)[0] == ACCESS_DENIED


def test_client_without_tls_is_refused_before_sending_its_token(
    shared_proxy: RunningProxy, ca_path: str
) -> None:
    before = shared_proxy.stats()
    code, message = mysqlclient_error(shared_proxy, ca_path, ssl=None, ssl_mode="DISABLED")
    assert (code, message) == (TLS_REQUIRED, "This RDS Proxy requires TLS connections")
    options = {"ssl_ca": None, "ssl_verify_identity": False, "ssl_disabled": True}
    assert pymysql_error(shared_proxy, ca_path, **options)[0] == TLS_REQUIRED
    after = shared_proxy.stats()
    assert after["ClientConnectionsNoTLS"] - before["ClientConnectionsNoTLS"] == 2
    # Refused before the password was asked for: no token reached the verifier.
    assert after["ClientConnectionsSetupFailedAuth"] == before["ClientConnectionsSetupFailedAuth"]


def test_client_trusting_another_ca_is_refused(
    shared_proxy: RunningProxy, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other_ca = make_test_certificates(tmp_path_factory.mktemp("other-ca")).ca_cert
    code, _ = mysqlclient_error(shared_proxy, str(other_ca))
    assert code == 2026  # CR_SSL_CONNECTION_ERROR: the certificate was really checked


def test_token_must_name_a_configured_endpoint(
    start_proxy: Callable[..., RunningProxy], ca_path: str
) -> None:
    proxy = start_proxy(endpoints=["localhost"])
    # PyMySQL, because libmariadb takes "localhost" to mean the Unix socket.
    token = mint_token(proxy.port, host="localhost")
    connection = connect_pymysql(proxy, ca_path, host="localhost", password=token)
    assert scalar(connection, "SELECT 1") == 1
    connection.close()
    assert pymysql_error(proxy, ca_path, host="localhost")[0] == ACCESS_DENIED  # token for 127.0.0.1


def test_unknown_database_fails_the_login_itself(shared_proxy: RunningProxy, ca_path: str) -> None:
    assert mysqlclient_error(shared_proxy, ca_path, database="no_such_database")[0] == 1049


def test_user_without_a_secret_is_refused(start_proxy: Callable[..., RunningProxy], ca_path: str) -> None:
    proxy = start_proxy(secrets={OTHER_USER: "x"})
    assert mysqlclient_error(proxy, ca_path)[0] == ACCESS_DENIED
    assert proxy.stats()["auth_failures_by_reason"] == {"no_secret": 1}


def test_wrong_stored_password_fails_at_login(start_proxy: Callable[..., RunningProxy], ca_path: str) -> None:
    proxy = start_proxy(secrets={APP_USER: "not-the-database-password"})
    assert mysqlclient_error(proxy, ca_path)[0] == ACCESS_DENIED
    assert proxy.stats()["tokens_verified"] == 1


def test_failed_logins_are_counted_by_reason(start_proxy: Callable[..., RunningProxy], ca_path: str) -> None:
    proxy = start_proxy()
    mysqlclient_error(proxy, ca_path, password=APP_PASSWORD)
    mysqlclient_error(proxy, ca_path, password=mint_token(proxy.port, user=OTHER_USER))
    stats = proxy.stats()
    assert stats["ClientConnectionsSetupFailedAuth"] == 2
    assert stats["auth_failures_by_reason"] == {"malformed": 1, "user": 1}


def test_a_key_whose_policy_lacks_the_user_is_refused(
    start_proxy: Callable[..., RunningProxy], ca_path: str
) -> None:
    # As IAM would: the signature is valid, but the key's role may connect only as APP_USER.
    only_app = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "rds-db:connect",
                    "Resource": f"arn:aws:rds-db:{REGION}:123456789012:dbuser:prx-0test/{APP_USER}",
                }
            ]
        }
    )
    restricted = AwsCredential(ACCOUNT_KEY.access_key_id, ACCOUNT_KEY.secret_access_key, policy=only_app)
    proxy = start_proxy(credentials=[restricted], account_id="123456789012", proxy_resource_id="prx-0test")

    assert scalar(connect_mysqlclient(proxy, ca_path), "SELECT CURRENT_USER()").startswith(APP_USER)
    code, message = mysqlclient_error(proxy, ca_path, user=OTHER_USER)
    assert code == ACCESS_DENIED
    assert (
        f"does not allow rds-db:connect on arn:aws:rds-db:{REGION}:123456789012:dbuser:prx-0test/" in message
    )
    assert proxy.stats()["auth_failures_by_reason"] == {"not_authorized": 1}


def test_clock_moved_16_minutes_expires_tokens_not_sessions(
    start_proxy: Callable[..., RunningProxy], ca_path: str
) -> None:
    """What the Django IAM backend tests rely on: time-machine moves the in-process proxy's clock too,
    while its timeouts run on the monotonic clock, which time-machine leaves alone."""
    proxy = start_proxy()
    token = mint_token(proxy.port)
    connection = connect_mysqlclient(proxy, ca_path, password=token)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)):
        assert (
            scalar(connection, "SELECT 'open sessions outlive their token'")
            == "open sessions outlive their token"
        )
        code, message = mysqlclient_error(proxy, ca_path, password=token)
        assert code == ACCESS_DENIED
        assert "expired" in message
        fresh = connect_mysqlclient(proxy, ca_path)  # a token minted now, in the moved clock
        assert scalar(fresh, "SELECT 1") == 1
        fresh.close()
    connection.close()


def test_unreachable_database_is_reported_at_connect(
    start_proxy: Callable[..., RunningProxy], ca_path: str
) -> None:
    with socket.socket() as placeholder:  # a port nothing listens on
        placeholder.bind(("127.0.0.1", 0))
        proxy = start_proxy(backend_port=placeholder.getsockname()[1], backend_connect_timeout_seconds=1.0)
        code, message = pymysql_error(proxy, ca_path)
        assert code == 9501
        assert message.endswith(f"cannot reach the database at 127.0.0.1:{placeholder.getsockname()[1]}]")
        # libmariadb requiring TLS reports an error sent before TLS as unverifiable, with its text.
        code, message = mysqlclient_error(proxy, ca_path)
        assert code == 2002
        assert "9501" in message
