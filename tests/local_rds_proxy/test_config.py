"""Loading the TOML configuration: every mistake is reported by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_rds_proxy import AwsCredential, ConfigError, ProxyConfig, config_to_toml, load_config

MINIMAL = """
[listen]
tls_cert = "certs/server.pem"
tls_key = "certs/server-key.pem"

[[iam.credentials]]
access_key_id = "AKIAEXAMPLE"
secret_access_key = "secret"

[secrets]
app = "password"

[backend]
port = 3306
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "proxy.toml"
    path.write_text(text)
    return path


def test_minimal_config_gets_rds_proxy_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    assert config.tls_cert == tmp_path / "certs/server.pem"  # relative to the file
    assert config.credentials == [AwsCredential("AKIAEXAMPLE", "secret")]
    assert (config.borrow_timeout_seconds, config.idle_client_timeout_seconds) == (120.0, 1800.0)
    assert config.accepted_endpoints(3307) == ["127.0.0.1:3307", "localhost:3307"]


def test_session_credentials_and_pool_settings(tmp_path: Path) -> None:
    credential = 'secret_access_key = "secret"\nsession_token = "token"'
    pool = """
[pool]
max_connections = 7
borrow_timeout_seconds = 2.5
init_query = "SET time_zone='+00:00'"
"""
    text = MINIMAL.replace('secret_access_key = "secret"', credential) + pool
    config = load_config(write(tmp_path, text))
    assert config.credentials[0].session_token == "token"
    assert (config.max_connections, config.borrow_timeout_seconds) == (7, 2.5)
    assert config.init_query == "SET time_zone='+00:00'"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("[backend]\nport = 3306", "[backend]\nport = 3306\nhots = 'x'"), "unknown key backend.hots"),
        (("[backend]\nport = 3306", "[backend]\nport = '3306'"), "backend.port has the wrong type"),
        (("[backend]\nport = 3306", "[backnd]\nport = 3306"), "unknown section [backnd]"),
        (("[backend]\nport = 3306", ""), "missing required settings: backend_port"),
        (('app = "password"', "app = 1"), "[secrets] must map user names"),
        (('secret_access_key = "secret"', ""), "needs access_key_id and secret_access_key"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(write(tmp_path, MINIMAL.replace(*change)))


def test_config_without_credentials_is_refused() -> None:
    with pytest.raises(ConfigError, match="no IAM credentials"):
        ProxyConfig(tls_cert=Path("c"), tls_key=Path("k"), backend_port=1, secrets={"a": "b"}, credentials=[])


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


def test_config_to_toml_round_trips(tmp_path: Path) -> None:
    config = ProxyConfig(
        tls_cert=tmp_path / "server.pem",
        tls_key=tmp_path / "server-key.pem",
        backend_port=3307,
        secrets={"app": 'pa"ss\\word', "admin": "x"},
        credentials=[
            AwsCredential("AKID1", "secret1", policy='{"Statement": [{"Effect": "Allow", "Action": "*"}]}'),
            AwsCredential("ASID2", "secret2", "session-token"),
        ],
        region="eu-west-1",
        account_id="123456789012",
        proxy_resource_id="prx-0123456789abcdef0",
        endpoints=["127.0.0.1", "proxy.local:3306"],
        max_connections=7,
        borrow_timeout_seconds=1.5,
        init_query="SET SESSION time_zone = '+03:00'",
        stats_port=0,
    )
    path = tmp_path / "proxy.toml"
    path.write_text(config_to_toml(config))
    assert load_config(path) == config


def test_a_credentials_policy_is_read_and_checked_at_load(tmp_path: Path) -> None:
    policy_line = (
        'policy = \'{"Statement": [{"Effect": "Allow", "Action": "rds-db:connect", "Resource": "*"}]}\''
    )
    iam = '[iam]\naccount_id = "123456789012"\nproxy_resource_id = "prx-1"\n'
    text = iam + MINIMAL.replace(
        'secret_access_key = "secret"', f'secret_access_key = "secret"\n{policy_line}'
    )

    config = load_config(write(tmp_path, text))

    assert config.credentials[0].policy is not None
    assert (config.account_id, config.proxy_resource_id) == ("123456789012", "prx-1")
    with pytest.raises(ConfigError, match=r"account_id and iam\.proxy_resource_id"):
        load_config(write(tmp_path, text.replace(iam, "")))
    with pytest.raises(ConfigError, match="not a JSON policy document"):
        load_config(write(tmp_path, text.replace(policy_line, "policy = '{'")))
