"""The stand-in's configuration: a dataclass for tests, or a TOML file for ``python -m local_rds_proxy``.

TOML layout (every section and key is listed in docs/local-rds-proxy.md)::

    [listen]   host, port, endpoints, tls_cert, tls_key
    [iam]      region, account_id, proxy_resource_id,
               [[iam.credentials]] access_key_id, secret_access_key, session_token, policy
    [secrets]  <user> = "<database password>"
    [backend]  host, port, connect_timeout_seconds
    [pool]     max_connections, borrow_timeout_seconds, idle_client_timeout_seconds, init_query
    [stats]    host, port, log_interval_seconds
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from local_rds_proxy.iam_policy import ConnectAuthorizer, PolicyError
from local_rds_proxy.iam_token import AwsCredential

# RDS Proxy's defaults (ConnectionBorrowTimeout 120 s, IdleClientTimeout 1800 s).
DEFAULT_BORROW_TIMEOUT_SECONDS = 120.0
DEFAULT_IDLE_CLIENT_TIMEOUT_SECONDS = 1800.0


class ConfigError(ValueError):
    """The configuration is missing a value or has one of the wrong type."""


@dataclasses.dataclass
class ProxyConfig:
    """Everything the stand-in needs; build it directly in tests or load it with ``load_config``."""

    tls_cert: Path
    tls_key: Path
    backend_port: int
    # The stand-in's "Secrets Manager": login user -> the password it uses on the real database.
    secrets: dict[str, str]
    credentials: list[AwsCredential]
    region: str = "us-east-1"
    # Form the dbuser ARN a credential's policy must allow rds-db:connect on (only with policies).
    account_id: str | None = None
    proxy_resource_id: str | None = None
    listen_host: str = "127.0.0.1"
    listen_port: int = 0  # 0: any free port (read it back from the running proxy)
    # host:port values a token may be signed for; a bare host means "this host, at the listening port".
    endpoints: list[str] = dataclasses.field(default_factory=lambda: ["127.0.0.1", "localhost"])
    backend_host: str = "127.0.0.1"
    backend_connect_timeout_seconds: float = 10.0
    max_connections: int = 100
    borrow_timeout_seconds: float = DEFAULT_BORROW_TIMEOUT_SECONDS
    idle_client_timeout_seconds: float = DEFAULT_IDLE_CLIENT_TIMEOUT_SECONDS
    init_query: str | None = None
    stats_host: str = "127.0.0.1"
    stats_port: int | None = None  # None: no HTTP stats endpoint; 0: any free port
    stats_log_interval_seconds: float = 60.0

    def __post_init__(self) -> None:
        self.tls_cert, self.tls_key = Path(self.tls_cert), Path(self.tls_key)
        if not self.credentials:
            raise ConfigError("no IAM credentials configured: add at least one [[iam.credentials]]")
        if not self.secrets:
            raise ConfigError('no users configured: add [secrets] user = "database password"')
        if self.max_connections < 1:
            raise ConfigError("pool.max_connections must be at least 1")
        if self.borrow_timeout_seconds < 0 or self.idle_client_timeout_seconds <= 0:
            raise ConfigError("pool timeouts must be positive")
        try:
            self.connect_authorizer()
        except PolicyError as error:
            raise ConfigError(f"iam: {error}") from error

    def connect_authorizer(self) -> ConnectAuthorizer:
        """Who may connect as which user, from the credentials' policies."""
        return ConnectAuthorizer(self.credentials, self.region, self.account_id, self.proxy_resource_id)

    def accepted_endpoints(self, listening_port: int) -> list[str]:
        """The endpoints with bare hosts completed by the port the proxy actually listens on."""
        return [
            endpoint if ":" in endpoint else f"{endpoint}:{listening_port}" for endpoint in self.endpoints
        ]


# TOML section -> {key: (dataclass field, expected type)}
_LAYOUT: dict[str, dict[str, tuple[str, type | tuple[type, ...]]]] = {
    "listen": {
        "host": ("listen_host", str),
        "port": ("listen_port", int),
        "endpoints": ("endpoints", list),
        "tls_cert": ("tls_cert", str),
        "tls_key": ("tls_key", str),
    },
    "iam": {
        "region": ("region", str),
        "account_id": ("account_id", str),
        "proxy_resource_id": ("proxy_resource_id", str),
        "credentials": ("credentials", list),
    },
    "backend": {
        "host": ("backend_host", str),
        "port": ("backend_port", int),
        "connect_timeout_seconds": ("backend_connect_timeout_seconds", (int, float)),
    },
    "pool": {
        "max_connections": ("max_connections", int),
        "borrow_timeout_seconds": ("borrow_timeout_seconds", (int, float)),
        "idle_client_timeout_seconds": ("idle_client_timeout_seconds", (int, float)),
        "init_query": ("init_query", str),
    },
    "stats": {
        "host": ("stats_host", str),
        "port": ("stats_port", int),
        "log_interval_seconds": ("stats_log_interval_seconds", (int, float)),
    },
}


def load_config(path: Path) -> ProxyConfig:
    """Read a TOML file; relative certificate paths are relative to the file."""
    try:
        with path.open("rb") as file:
            document = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from error
    return config_from_mapping(document, base_dir=path.parent)


def config_from_mapping(document: Mapping[str, Any], base_dir: Path = Path()) -> ProxyConfig:
    values: dict[str, Any] = {}
    for section, content in document.items():
        if section == "secrets":
            values["secrets"] = _secrets(content)
            continue
        layout = _LAYOUT.get(section)
        if layout is None:
            raise ConfigError(f"unknown section [{section}]; expected one of {sorted([*_LAYOUT, 'secrets'])}")
        for key, value in content.items():
            if key not in layout:
                raise ConfigError(f"unknown key {section}.{key}; expected one of {sorted(layout)}")
            name, expected = layout[key]
            if not isinstance(value, expected) or isinstance(value, bool):
                raise ConfigError(f"{section}.{key} has the wrong type ({type(value).__name__})")
            values[name] = value
    values["credentials"] = [_credential(item) for item in values.get("credentials", [])]
    for name in ("tls_cert", "tls_key"):
        if name in values:
            values[name] = base_dir / values[name]
    missing = [name for name in ("tls_cert", "tls_key", "backend_port", "secrets") if name not in values]
    if missing:
        raise ConfigError(f"missing required settings: {', '.join(missing)}")
    return ProxyConfig(**values)


def _secrets(content: Any) -> dict[str, str]:
    if not isinstance(content, dict) or not all(isinstance(value, str) for value in content.values()):
        raise ConfigError('[secrets] must map user names to password strings: app = "password"')
    return dict(content)


def _credential(item: Any) -> AwsCredential:
    if not isinstance(item, dict) or {"access_key_id", "secret_access_key"} - item.keys():
        raise ConfigError("each [[iam.credentials]] needs access_key_id and secret_access_key")
    unknown = item.keys() - {"access_key_id", "secret_access_key", "session_token", "policy"}
    if unknown:
        raise ConfigError(f"unknown key(s) in [[iam.credentials]]: {sorted(unknown)}")
    if not isinstance(item.get("policy", ""), str):
        raise ConfigError("[[iam.credentials]] policy is a policy document as a JSON string")
    return AwsCredential(
        item["access_key_id"], item["secret_access_key"], item.get("session_token"), item.get("policy")
    )


def config_to_toml(config: ProxyConfig) -> str:
    """The TOML file ``load_config`` reads back as ``config`` (for running the stand-in as a process)."""
    fields = dataclasses.asdict(config)
    lines: list[str] = []
    for section, layout in _LAYOUT.items():
        lines.append(f"[{section}]")
        for key, (name, _expected) in layout.items():
            if name != "credentials" and fields[name] is not None:
                lines.append(f"{key} = {_toml_value(fields[name])}")
        lines.append("")
    for credential in config.credentials:
        lines.append("[[iam.credentials]]")
        for key, value in dataclasses.asdict(credential).items():
            if value is not None:
                lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    lines.append("[secrets]")
    lines += [f"{_toml_value(user)} = {_toml_value(password)}" for user, password in config.secrets.items()]
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    # A JSON string, number or array of strings is also a valid TOML value.
    return json.dumps(str(value) if isinstance(value, Path) else value)
