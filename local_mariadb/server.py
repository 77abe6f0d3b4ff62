"""Start, stop and administer one private MariaDB server (mariadb-install-db + mariadbd)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import MySQLdb

from local_mariadb.ownership import pid_file_holder, serves_data_dir, socket_peer_pid, stop_process

# Server options that mirror what the production RDS parameter group sets (docs/deploy.md):
# utf8mb4 everywhere so 4-byte emoji survive, and READ-COMMITTED at the server so the app never
# has to send a per-connection SET (which RDS Proxy would have to track). The rest only makes a
# throwaway server start fast and cheap.
SERVER_OPTIONS = (
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
    "--transaction-isolation=READ-COMMITTED",
    "--skip-name-resolve",
    "--skip-log-bin",
    "--innodb-buffer-pool-size=256M",
    "--innodb-log-file-size=64M",
    "--innodb-flush-log-at-trx-commit=2",
    "--max-allowed-packet=64M",
)
START_TIMEOUT_SECONDS = 60.0
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])


class ServerNotFound(RuntimeError):
    """The MariaDB server binaries are not installed."""


class ServerAlreadyRunning(RuntimeError):
    """Another process holds this server's base directory (a leftover of a crashed run, or a live one)."""

    def __init__(self, pid: int, base_dir: Path, how: str) -> None:
        super().__init__(
            f"{base_dir} is in use by another server, pid {pid} ({how}); stop it (kill {pid}) and start again"
        )
        self.pid = pid


def find_binary(*names: str) -> str:
    """Return the path of the first installed binary among ``names``."""
    for name in names:
        found = shutil.which(name, path=SEARCH_PATH)
        if found:
            return found
    raise ServerNotFound(
        f"none of {', '.join(names)} found: install MariaDB (apt-get install -y mariadb-server)"
    )


def free_port() -> int:
    """Ask the kernel for a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MariaDBServer:
    """One private mariadbd: its own data directory, socket and port; root has no password."""

    host = "127.0.0.1"

    def __init__(
        self,
        base_dir: Path | None = None,
        port: int | None = None,
        extra_options: Sequence[str] = (),
    ) -> None:
        self._owns_base_dir = base_dir is None
        # Absolute, so the --datadir a leftover server was started with can be recognised later.
        self.base_dir = Path(base_dir or tempfile.mkdtemp(prefix="local-mariadb-")).resolve()
        self.data_dir = self.base_dir / "data"
        self.socket_path = self.base_dir / "mariadb.sock"
        self.pid_file = self.base_dir / "mariadbd.pid"
        self.log_path = self.base_dir / "error.log"
        self.port = port or free_port()
        self.extra_options = tuple(extra_options)
        self.reclaimed_pid: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The PID of the mariadbd this object started, while it runs."""
        return self._process.pid if self._process is not None and self.running else None

    def find_other_holder(self) -> tuple[int, str] | None:
        """Another process that holds the base directory, and how it was found; None if it is free."""
        pid = pid_file_holder(self.pid_file, self.data_dir)
        if pid is not None:
            return pid, f"a mariadbd named by {self.pid_file.name}"
        pid = socket_peer_pid(self.socket_path)
        if pid is not None:
            return pid, f"it answers on {self.socket_path.name}"
        return None

    def start(self, reclaim_leftover: bool = False) -> MariaDBServer:
        """Initialise the data directory once, start mariadbd and wait until it answers.

        Refuses (ServerAlreadyRunning) while another process holds the base directory. With
        ``reclaim_leftover`` a leftover mariadbd on this data directory is stopped first (its PID is
        kept in ``reclaimed_pid``); any other holder is still refused.
        """
        if self.running:
            return self
        self._claim_base_dir(reclaim_leftover)
        if not (self.data_dir / "mysql").is_dir():
            self._install_system_tables()
        command = [
            find_binary("mariadbd", "mysqld"),
            "--no-defaults",
            f"--datadir={self.data_dir}",
            f"--socket={self.socket_path}",
            f"--pid-file={self.pid_file}",
            f"--log-error={self.log_path}",
            f"--port={self.port}",
            f"--bind-address={self.host}",
            f"--tmpdir={self.base_dir}",
            *self._user_option(),
            *SERVER_OPTIONS,
            *self.extra_options,
        ]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self._wait_until_ready()
        except BaseException:  # not ready, Ctrl-C included: never leave a half-started server behind
            self.stop()
            raise
        return self

    def _claim_base_dir(self, reclaim_leftover: bool) -> None:
        found = self.find_other_holder()
        if found is None:
            return
        pid, how = found
        if not (reclaim_leftover and serves_data_dir(pid, self.data_dir)):
            raise ServerAlreadyRunning(pid, self.base_dir, how)
        stop_process(pid)
        self.reclaimed_pid = pid

    def wait_for_exit(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """After a signal sent from outside (e.g. SIGKILL in a fault test): reap the process."""
        if self._process is not None:
            self._process.wait(timeout=timeout)
            self._process = None

    def stop(self) -> None:
        """Shut mariadbd down cleanly (data is kept, so ``start`` brings the same server back)."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=START_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def destroy(self) -> None:
        """Stop the server and delete everything it wrote."""
        self.stop()
        if self._owns_base_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> MariaDBServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.destroy()

    @property
    def version(self) -> str:
        with self.root_connection() as connection:
            cursor = connection.cursor()
            cursor.execute("SELECT VERSION()")
            return str(cursor.fetchone()[0])

    @contextmanager
    def root_connection(self, database: str | None = None) -> Iterator[MySQLdb.Connection]:
        """A superuser connection over the unix socket, autocommit on."""
        params: dict[str, object] = {
            "unix_socket": str(self.socket_path),
            "user": "root",
            "charset": "utf8mb4",
        }
        if database:
            params["database"] = database
        with closing(MySQLdb.connect(**params)) as connection:
            connection.autocommit(True)
            yield connection

    def execute(self, *statements: str) -> None:
        """Run statements as root (DDL, GRANTs, test setup)."""
        with self.root_connection() as connection:
            cursor = connection.cursor()
            for statement in statements:
                cursor.execute(statement)

    def query(self, statement: str, args: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one SELECT as root and return every row."""
        with self.root_connection() as connection:
            cursor = connection.cursor()
            cursor.execute(statement, tuple(args) or None)
            return list(cursor.fetchall())

    def create_user(
        self, name: str, password: str, grants: str = "ALL PRIVILEGES ON *.*", grant_option: bool = False
    ) -> None:
        """Create (or reset) a user that may connect over TCP from anywhere, with ``grants``."""
        self.execute(
            f"CREATE OR REPLACE USER '{name}'@'%' IDENTIFIED BY '{password}'",
            f"GRANT {grants} TO '{name}'@'%'" + (" WITH GRANT OPTION" if grant_option else ""),
        )

    def _user_option(self) -> list[str]:
        # mariadbd refuses to run as root unless told to; CI and this sandbox run as root.
        return ["--user=root"] if os.geteuid() == 0 else []

    def _install_system_tables(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                find_binary("mariadb-install-db", "mysql_install_db"),
                "--no-defaults",
                f"--datadir={self.data_dir}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                *self._user_option(),
            ],
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"mariadb-install-db failed:\n{result.stdout.decode()}\n{result.stderr.decode()}"
            )

    def _wait_until_ready(self) -> None:
        """Wait until our own process answers on the socket: a leftover server there is never taken for it."""
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            peer = socket_peer_pid(self.socket_path)
            if peer is not None and peer != self._process.pid:
                raise ServerAlreadyRunning(
                    peer,
                    self.base_dir,
                    f"it answers on {self.socket_path.name}, not the mariadbd just started",
                )
            if self._process.poll() is not None:
                raise RuntimeError(f"mariadbd exited with {self._process.returncode}:\n{self._log_tail()}")
            if peer is not None:
                try:
                    with self.root_connection():
                        return
                except MySQLdb.OperationalError:
                    pass  # listening, not yet accepting logins
            time.sleep(0.1)
        raise RuntimeError(
            f"mariadbd did not answer within {START_TIMEOUT_SECONDS:.0f}s:\n{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no error log)"
