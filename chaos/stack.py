"""The production database path as processes a scenario can kill: MariaDB, the stand-in, the site.

MariaDB and the stand-in come from the benchmarks' stack (bench.stack on local_stack: users made by
bootstrap_db_users, schema migrated as the admin user); the stand-in's ports are pinned after its
first start so a restarted one is found where the site's connections expect it. The site is
local_server (gunicorn) on the production database settings.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.paths import REPOSITORY
from bench.stack import lambda_runtime_environment, start_site_stack
from local_mariadb.server import free_port
from local_rds_proxy import config_to_toml, load_config
from local_stack import DATABASE

SITE_WORKERS = 4
# infra/webhook-site.yaml's ProxyBorrowTimeoutSeconds default: requests wait this long for a database
# connection before the proxy answers 9501 (the bench stack uses a longer one for its own reasons).
PRODUCTION_BORROW_TIMEOUT_SECONDS = 5.0
START_TIMEOUT_SECONDS = 60.0
# What a warm Lambda container keeps (docs/database.md): one connection, reused for 10 minutes.
SITE_CONN_MAX_AGE = 600


@dataclass
class Site:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ChaosStack:
    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        self.bench = start_site_stack(work_dir)
        self._pin_stand_in_ports()
        self.site = self._start_site()

    def _pin_stand_in_ports(self) -> None:
        """Restart the stand-in on the ports it got, with production's borrow timeout, so that every
        later restart comes back where the site's connections expect it."""
        proxy = self.bench.proxy
        config = load_config(proxy.config_path)
        pinned = dataclasses.replace(
            config,
            listen_port=proxy.port,
            stats_port=proxy.stats_port,
            borrow_timeout_seconds=PRODUCTION_BORROW_TIMEOUT_SECONDS,
        )
        proxy.config_path.write_text(config_to_toml(pinned))
        proxy.stop()
        proxy.start()

    def _start_site(self) -> Site:
        port = free_port()
        log_path = self.work_dir / "site.log"
        environment = lambda_runtime_environment() | self.bench.stage_variables(SITE_CONN_MAX_AGE)
        environment |= {"DJANGO_SETTINGS_MODULE": "webhook_site.settings", "LOG_LEVEL": "WARNING"}
        environment.pop("DATABASE_ADMIN_URL", None)  # the web path knows only the app user
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - this venv's Python on our own module
                [sys.executable, "-m", "local_server", "--port", str(port), "--workers", str(SITE_WORKERS)],
                cwd=REPOSITORY,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        site = Site(process, port, log_path)
        wait_until_answering(site)
        return site

    # -- faults ------------------------------------------------------------------------------------

    def kill_database(self) -> None:
        pid = self.bench.server.pid
        if pid is None:
            raise RuntimeError("MariaDB is not running: nothing to kill")
        os.kill(pid, signal.SIGKILL)
        self.bench.server.wait_for_exit()

    def restart_database(self) -> None:
        self.bench.server.start()

    def kill_stand_in(self) -> None:
        self.bench.proxy.kill()

    def restart_stand_in(self) -> None:
        self.bench.proxy.start()

    # -- observation -------------------------------------------------------------------------------

    def proxy_client_connections(self) -> int:
        return int(self.bench.proxy.stats()["ClientConnections"])

    def stored_bodies(self, path_prefix: str) -> dict[int, bytes]:
        rows = self.bench.server.query(
            f"SELECT id, body FROM {DATABASE}.hits_hit WHERE path LIKE %s",  # noqa: S608 - our constant
            [path_prefix + "%"],
        )
        return {int(row[0]): bytes(row[1]) for row in rows}

    def close(self) -> None:
        self.site.stop()
        self.bench.stop()


def wait_until_answering(site: Site) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if site.process.poll() is not None:
            raise RuntimeError(f"the site exited:\n{site.log_path.read_text(errors='replace')[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", site.port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the site did not answer within {START_TIMEOUT_SECONDS:.0f} s")
