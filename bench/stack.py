"""MariaDB + the RDS Proxy stand-in (each its own process) + the site's database, made as production does.

The site database is created the way a deployment creates it: bootstrap_db_users (master login)
makes the app and admin users, then `manage.py migrate` runs as the admin user through the stand-in.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.proxy_process import REPOSITORY, PoolSettings, ProxyProcess, proxy_config
from local_mariadb import MariaDBServer
from local_rds_proxy import AwsCredential, CertificatePaths, config_to_toml, make_test_certificates

# The production stage exports AWS_REGION=us-east-1 (zappa_settings.json), so the stand-in's pretend
# account lives there and the tokens the handler mints verify as they would on AWS.
REGION = "us-east-1"
CREDENTIAL = AwsCredential("AKIABENCHMARK0000001", "bench-secret-access-key")
DATABASE = "webhook_site"
APP_USER, ADMIN_USER = "webhook_app", "webhook_admin"
# RDS Proxy's pool for this app in infra/ is sized in the tens; 50 is the figure.
SITE_POOL = PoolSettings(max_connections=50, borrow_timeout_seconds=30)
# What a Lambda runtime's environment must not carry over from this shell.
FOREIGN_VARIABLES = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "MARIADB_PLUGIN_DIR")


@dataclass
class Database:
    """A private MariaDB with the app's two users; their passwords are the stand-in's secrets."""

    server: MariaDBServer
    user_passwords: dict[str, str]


@dataclass
class BenchStack:
    database: Database
    proxy: ProxyProcess
    certificates: CertificatePaths
    work_dir: Path

    @property
    def server(self) -> MariaDBServer:
        return self.database.server

    def url(self, user: str, database: str) -> str:
        return f"mysql-iam://{user}@127.0.0.1:{self.proxy.port}/{database}"

    def stage_variables(self, conn_max_age: int, database: str = DATABASE) -> dict[str, str]:
        """The production stage's variables as a deployment would fill them in, pointed at this stack."""
        return {
            "DATABASE_URL": self.url(APP_USER, database),
            "DATABASE_ADMIN_URL": self.url(ADMIN_USER, database),
            "DATABASE_CA_BUNDLE": str(self.certificates.ca_cert),
            "DATABASE_CONN_MAX_AGE": str(conn_max_age),
            # Stands in for the Secrets Manager secret the stage names (no AWS here).
            "DJANGO_SECRET_KEY": "bench-" + "k" * 60,
        }

    def stop(self) -> None:
        self.proxy.stop()
        self.server.destroy()


def lambda_runtime_environment() -> dict[str, str]:
    """This shell's environment as a Lambda runtime would have it: the role's keys and region set."""
    environment = {name: value for name, value in os.environ.items() if name not in FOREIGN_VARIABLES}
    environment.update(
        AWS_REGION=REGION,
        AWS_ACCESS_KEY_ID=CREDENTIAL.access_key_id,
        AWS_SECRET_ACCESS_KEY=CREDENTIAL.secret_access_key,
    )
    return environment


def start_database(work_dir: Path, name: str, server_options: Sequence[str] = ()) -> Database:
    server = MariaDBServer(base_dir=work_dir / name, extra_options=server_options).start()
    passwords = {user: secrets.token_urlsafe(18) for user in (APP_USER, ADMIN_USER, "bench_master")}
    server.create_user("bench_master", passwords["bench_master"], "ALL PRIVILEGES ON *.*", grant_option=True)
    return Database(server, passwords)


def start_stand_in(
    database: Database, certificates: CertificatePaths, pool: PoolSettings, config_path: Path
) -> ProxyProcess:
    secrets_for_proxy = {user: database.user_passwords[user] for user in (APP_USER, ADMIN_USER)}
    config = proxy_config(database.server.port, certificates, CREDENTIAL, REGION, secrets_for_proxy, pool)
    config_path.write_text(config_to_toml(config))
    return ProxyProcess(config_path).start()


def manage(stack: BenchStack, database: str, *arguments: str) -> None:
    """Run a management command with the stage's database settings, as `zappa manage` would."""
    environment = lambda_runtime_environment() | stack.stage_variables(conn_max_age=0, database=database)
    environment.update(
        DJANGO_SETTINGS_MODULE="webhook_site.settings",
        DATABASE_MASTER_URL=(
            f"mysql://bench_master:{stack.database.user_passwords['bench_master']}"
            f"@127.0.0.1:{stack.server.port}/"
        ),
        DATABASE_APP_PASSWORD=stack.database.user_passwords[APP_USER],
        DATABASE_ADMIN_PASSWORD=stack.database.user_passwords[ADMIN_USER],
    )
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")


def create_site_database(stack: BenchStack, database: str = DATABASE) -> None:
    """The users and their grants (bootstrap_db_users), then the schema, migrated as the admin user."""
    manage(stack, database, "bootstrap_db_users")
    manage(stack, database, "migrate", "--noinput", "--verbosity", "0")


def start_site_stack(work_dir: Path) -> BenchStack:
    """MariaDB, the stand-in (pool of 50) and the migrated site database."""
    certificates = make_test_certificates(work_dir / "certificates")
    database = start_database(work_dir, "site-mariadb")
    proxy = start_stand_in(database, certificates, SITE_POOL, work_dir / "site-proxy.toml")
    stack = BenchStack(database, proxy, certificates, work_dir)
    try:
        create_site_database(stack)
    except BaseException:
        stack.stop()
        raise
    return stack
