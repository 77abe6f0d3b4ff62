"""B3 fan-in: 50 -> 500 simultaneous warm containers against one MariaDB with max_connections=60.

The same load goes once through the stand-in (pool of 50) and once straight to MariaDB. A sampler in
this process counts the app user's sessions in information_schema.PROCESSLIST the whole time; the
load runs in its own process (bench.fanin_clients) so the sampler is never starved of the GIL.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.distribution import Summary
from bench.paths import REPOSITORY
from bench.sizes import BenchSizes
from bench.stack import SITE_POOL, lambda_runtime_environment
from local_stack import APP_USER, REGION, LocalStack

MAX_CONNECTIONS = 60
FANIN_DATABASE = "fanin"
SAMPLE_INTERVAL_SECONDS = 0.002
LOAD_TIMEOUT_SECONDS = 300
STAND_IN_COUNTERS = (
    "auth_failures_by_reason",
    "DatabaseConnectionsSetupFailed",
    "borrow_timeouts",
    "peak_database_connections",
)
APP_SESSIONS = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = %s"


@dataclass
class FanInRun:
    path: str  # "proxy" or "direct"
    clients: int
    connected: int
    errors: dict[str, int]
    inserts: int
    connect: Summary
    connect_phase_seconds: float
    insert_phase_seconds: float
    peak_database_sessions: int
    samples: int
    # The stand-in's own counters for this run (proxy runs only): why any login failed.
    stand_in: dict[str, object] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def inserts_per_second(self) -> float:
        return self.inserts / self.insert_phase_seconds if self.insert_phase_seconds else 0.0


@dataclass
class FanInResult:
    pool_size: int
    max_connections: int
    runs: list[FanInRun]

    def run_for(self, path: str, clients: int) -> FanInRun:
        return next(run for run in self.runs if run.path == path and run.clients == clients)


class SessionSampler:
    """Counts the app user's sessions on MariaDB (as root, over the socket) until stopped."""

    def __init__(self, database: LocalStack) -> None:
        self.database = database
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SessionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with self.database.server.root_connection() as connection:
            cursor = connection.cursor()
            while not self._stop.is_set():
                cursor.execute(APP_SESSIONS, [APP_USER])
                self.peak = max(self.peak, int(cursor.fetchone()[0]))
                self.samples += 1
                time.sleep(SAMPLE_INTERVAL_SECONDS)


def prepare_database(work_dir: Path) -> LocalStack:
    """A second stack: its own MariaDB limited to MAX_CONNECTIONS, the app user allowed to insert."""
    database = LocalStack(work_dir / "fanin")
    database.start_database(extra_options=[f"--max-connections={MAX_CONNECTIONS}"])
    password = database.password(APP_USER)
    database.server.execute(
        f"CREATE DATABASE {FANIN_DATABASE}",
        f"CREATE TABLE {FANIN_DATABASE}.deliveries (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
        "client INT NOT NULL, sequence INT NOT NULL, payload VARBINARY(255) NOT NULL)",
        f"CREATE USER '{APP_USER}'@'%' IDENTIFIED BY '{password}'",
        f"GRANT INSERT ON {FANIN_DATABASE}.* TO '{APP_USER}'@'%'",
    )
    return database


def wait_for_no_sessions(database: LocalStack, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while database.server.query(APP_SESSIONS, [APP_USER])[0][0] and time.monotonic() < deadline:
        time.sleep(0.02)


def run_load(settings: dict[str, object], database: LocalStack, path: str) -> FanInRun:
    # The previous run's sessions end asynchronously on the server; they must not eat this run's slots.
    wait_for_no_sessions(database)
    with SessionSampler(database) as sampler:
        result = subprocess.run(
            [sys.executable, "-m", "bench.fanin_clients", json.dumps(settings)],
            cwd=REPOSITORY,
            env=lambda_runtime_environment(),
            capture_output=True,
            text=True,
            timeout=LOAD_TIMEOUT_SECONDS,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"fan-in load failed:\n{result.stderr[-4000:]}")
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    return FanInRun(
        path=path,
        clients=int(str(settings["clients"])),
        connected=answer["connected"],
        errors=answer["errors"],
        inserts=answer["inserts"],
        connect=Summary.of_nanoseconds(answer["connect_ns"]),
        connect_phase_seconds=answer["connect_phase_seconds"],
        insert_phase_seconds=answer["insert_phase_seconds"],
        peak_database_sessions=sampler.peak,
        samples=sampler.samples,
    )


def run(work_dir: Path, sizes: BenchSizes) -> FanInResult:
    database = prepare_database(work_dir)
    proxy = database.start_stand_in_process("fanin-proxy", **SITE_POOL)
    runs = []
    try:
        common = {"user": APP_USER, "database": FANIN_DATABASE, "inserts": sizes.fanin_inserts}
        for clients in sizes.fanin_clients:
            through_proxy = {
                **common,
                "clients": clients,
                "iam": True,
                "port": proxy.port,
                "region": REGION,
                "ca": str(database.ca_path),
            }
            run = run_load(through_proxy, database, "proxy")
            stats = proxy.stats()
            run.stand_in = {name: stats[name] for name in STAND_IN_COUNTERS}
            runs.append(run)
            # The stand-in keeps its idle backends; they must not count against the direct run.
            proxy.stop()
            direct = {
                **common,
                "clients": clients,
                "iam": False,
                "port": database.server.port,
                "password": database.password(APP_USER),
            }
            runs.append(run_load(direct, database, "direct"))
            proxy.start()
    finally:
        proxy.stop()
        database.server.destroy()
    return FanInResult(pool_size=SITE_POOL["max_connections"], max_connections=MAX_CONNECTIONS, runs=runs)
