"""The local production database path, assembled once: MariaDB, the RDS Proxy stand-in, the site's settings.

This module alone knows the stack's pretend AWS account (region and keys), its database users, its
master user and how the site's ``mysql-iam://`` URLs and environment are made. `make stack`, the
benchmarks, the chaos run and the test fixtures all build on ``LocalStack``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from local_mariadb import MariaDBServer
from local_rds_proxy import (
    AwsCredential,
    CertificatePaths,
    ProxyConfig,
    ProxyServer,
    RunningProxy,
    config_to_toml,
    make_test_certificates,
)
from local_stack.stand_in import StandInProcess

# The production stage exports AWS_REGION=us-east-1 (zappa_settings.json), so the stand-in's pretend
# account lives there and the tokens a packaged handler mints verify as they would on AWS.
REGION = "us-east-1"
# The pretend account's keys: the site signs IAM tokens with them, the stand-in checks them.
CREDENTIAL = AwsCredential("AKIALOCALSTACK000001", "local-stack-secret-access-key")
DATABASE = "webhook_site"
APP_USER = "webhook_app"
ADMIN_USER = "webhook_admin"
# The users the stand-in logs in as, with the passwords it holds for them (its "Secrets Manager").
# Fixed, so that a kept `make stack` database still accepts them after a restart.
ROLE_PASSWORDS = {APP_USER: "local-stack-app-password", ADMIN_USER: "local-stack-admin-password"}
# RDS's master user: only bootstrap_db_users logs in as it, straight to MariaDB.
MASTER_USER = "stack_master"
HOST = "127.0.0.1"
# Settings every local stand-in shares: clients idle as long as RDS Proxy lets them, no periodic
# stats in the log (GET /stats or stats() report them).
STAND_IN_DEFAULTS: dict[str, Any] = {"idle_client_timeout_seconds": 1800.0, "stats_log_interval_seconds": 0}


def local_password(path: Path) -> str:
    """A random password kept in ``path``: made on first use, readable by this user only."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(24) + "\n")
    return path.read_text().strip()


def database_url(user: str, proxy_port: int, database: str = DATABASE) -> str:
    """The site's DATABASE_URL for ``user`` through a stand-in on this machine."""
    return f"mysql-iam://{user}@{HOST}:{proxy_port}/{database}"


def aws_environment() -> dict[str, str]:
    """The region and keys a Lambda function of the pretend account finds in its environment."""
    return {
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": CREDENTIAL.access_key_id,
        "AWS_SECRET_ACCESS_KEY": CREDENTIAL.secret_access_key,
    }


class LocalStack:
    """One stack: its database and stand-ins; certificates, passwords and stand-in files in ``directory``.

    Start its own MariaDB with ``start_database()``, or ``use_database()`` one that is already running
    (the test harness's). Then start stand-ins in front of it, in this process (``start_stand_in``)
    or as their own process (``start_stand_in_process``), and hand the site ``site_environment()``.
    """

    def __init__(
        self, directory: Path, database: str = DATABASE, passwords: Mapping[str, str] | None = None
    ) -> None:
        """``passwords``: the app's, the admin's and the master user's, where they are kept elsewhere
        (the rehearsal keeps them in its Secrets Manager); by default the fixed role passwords and a
        random master password kept in ``directory``."""
        self.directory = directory
        self.database = database
        self._passwords = dict(ROLE_PASSWORDS) | dict(passwords or {})
        self._server: MariaDBServer | None = None
        self._master: tuple[str, str] | None = None

    @cached_property
    def certificates(self) -> CertificatePaths:
        """The stand-in's test CA and server certificate (made once per directory)."""
        return make_test_certificates(self.directory / "certificates")

    @property
    def ca_path(self) -> Path:
        return self.certificates.ca_cert

    @property
    def has_database(self) -> bool:
        return self._server is not None

    @property
    def server(self) -> MariaDBServer:
        if self._server is None:
            raise RuntimeError("no database yet: call start_database() or use_database() first")
        return self._server

    # -- the database -----------------------------------------------------------------------------

    def start_database(
        self,
        base_dir: Path | None = None,
        port: int | None = None,
        extra_options: Sequence[str] = (),
        reclaim_leftover: bool = False,
    ) -> MariaDBServer:
        """Start MariaDB (in ``directory``/mariadb unless told otherwise) and create the master user."""
        self.directory.mkdir(parents=True, exist_ok=True)
        server = MariaDBServer(
            base_dir=base_dir or self.directory / "mariadb", port=port, extra_options=extra_options
        )
        server.start(reclaim_leftover=reclaim_leftover)
        self._server = server
        password = self._passwords.get(MASTER_USER) or local_password(self.directory / "master-password")
        server.create_user(MASTER_USER, password, "ALL PRIVILEGES ON *.*", grant_option=True)
        self._master = (MASTER_USER, password)
        return server

    def use_database(self, server: MariaDBServer, master_user: str, master_password: str) -> None:
        """Build on a MariaDB started elsewhere, whose ``master_user`` may create users and grant."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._server = server
        self._master = (master_user, master_password)

    def password(self, user: str) -> str:
        """The database password the stand-in holds for ``user`` (the app or the admin user)."""
        return self._passwords[user]

    def bootstrap_environment(self) -> dict[str, str]:
        """What bootstrap_db_users reads: the master login (RDS's master secret) and the role passwords."""
        if self._master is None:
            raise RuntimeError("no database yet: call start_database() or use_database() first")
        user, password = self._master
        return {
            "DATABASE_MASTER_URL": f"mysql://{user}:{password}@{HOST}:{self.server.port}/",
            "DATABASE_APP_PASSWORD": self.password(APP_USER),
            "DATABASE_ADMIN_PASSWORD": self.password(ADMIN_USER),
        }

    # -- the stand-in -----------------------------------------------------------------------------

    def proxy_config(self, **settings: Any) -> ProxyConfig:
        """The stand-in in front of this stack's database, for the pretend account; ``settings`` override."""
        certificates = self.certificates
        config: dict[str, Any] = {
            "tls_cert": certificates.server_cert,
            "tls_key": certificates.server_key,
            "backend_port": self.server.port,
            "secrets": {user: self.password(user) for user in (APP_USER, ADMIN_USER)},
            "credentials": [CREDENTIAL],
            "region": REGION,
            **STAND_IN_DEFAULTS,
            **settings,
        }
        return ProxyConfig(**config)

    def start_stand_in(self, **settings: Any) -> RunningProxy:
        """A stand-in on a thread of this process: it cannot outlive the process that started it."""
        return ProxyServer(self.proxy_config(**settings)).start_in_thread()

    def start_stand_in_process(self, name: str = "stand-in", **settings: Any) -> StandInProcess:
        """A stand-in in its own process (config and log in ``directory``/<name>.toml and .log).

        Its ports default to any free ones (both read back from its ready file), with the stats endpoint on.
        """
        config_path = self.directory / f"{name}.toml"
        config_path.write_text(config_to_toml(self.proxy_config(**{"stats_port": 0, **settings})))
        return StandInProcess(config_path).start()

    # -- the site ---------------------------------------------------------------------------------

    def database_environment(self, proxy_port: int, database: str | None = None) -> dict[str, str]:
        """A stage's database variables (both roles' URLs and the CA bundle), pointed at a stand-in here."""
        name = database or self.database
        return {
            "DATABASE_URL": database_url(APP_USER, proxy_port, name),
            "DATABASE_ADMIN_URL": database_url(ADMIN_USER, proxy_port, name),
            "DATABASE_CA_BUNDLE": str(self.ca_path),
        }

    def site_environment(self, proxy_port: int, database: str | None = None) -> dict[str, str]:
        """What a Lambda function of the pretend account has in its environment for the database."""
        return self.database_environment(proxy_port, database) | aws_environment()
