"""The benchmarks' local stack (local_stack: MariaDB + the stand-in in its own process) and the site's
database on it, made as production does.

The site database is created the way a deployment creates it: bootstrap_db_users (master login)
makes the app and admin users, then `manage.py migrate` runs as the admin user through the stand-in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.paths import REPOSITORY
from local_mariadb import MariaDBServer
from local_rds_proxy import CertificatePaths
from local_stack import DATABASE, LocalStack, StandInProcess, aws_environment

# RDS Proxy's pool for this app in infra/ is sized in the tens; 50 is the figure.
SITE_POOL: dict[str, Any] = {"max_connections": 50, "borrow_timeout_seconds": 30}
# What a Lambda runtime's environment must not carry over from this shell.
FOREIGN_VARIABLES = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "MARIADB_PLUGIN_DIR")
# Stands in for the Secrets Manager secret the stage names (no AWS here).
BENCH_SECRET_KEY = "bench-" + "k" * 60


@dataclass
class BenchStack:
    local: LocalStack
    proxy: StandInProcess
    work_dir: Path

    @property
    def server(self) -> MariaDBServer:
        return self.local.server

    @property
    def certificates(self) -> CertificatePaths:
        return self.local.certificates

    def stage_variables(self, conn_max_age: int, database: str = DATABASE) -> dict[str, str]:
        """The production stage's variables as a deployment would fill them in, pointed at this stack."""
        return self.local.database_environment(self.proxy.port, database) | {
            "DATABASE_CONN_MAX_AGE": str(conn_max_age),
            "DJANGO_SECRET_KEY": BENCH_SECRET_KEY,
        }

    def stop(self) -> None:
        self.proxy.stop()
        self.server.destroy()


def lambda_runtime_environment() -> dict[str, str]:
    """This shell's environment as a Lambda runtime would have it: the role's keys and region set."""
    environment = {name: value for name, value in os.environ.items() if name not in FOREIGN_VARIABLES}
    return environment | aws_environment()


def manage(stack: BenchStack, database: str, *arguments: str) -> None:
    """Run a management command with the stage's database settings, as `zappa manage` would."""
    environment = (
        lambda_runtime_environment()
        | stack.stage_variables(conn_max_age=0, database=database)
        | stack.local.bootstrap_environment()
        | {"DJANGO_SETTINGS_MODULE": "webhook_site.settings"}
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
    local = LocalStack(work_dir)
    local.start_database(base_dir=work_dir / "site-mariadb")
    try:
        proxy = local.start_stand_in_process("site-proxy", **SITE_POOL)
    except BaseException:
        local.server.destroy()
        raise
    stack = BenchStack(local, proxy, work_dir)
    try:
        create_site_database(stack)
    except BaseException:
        stack.stop()
        raise
    return stack
