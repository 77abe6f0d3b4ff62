"""Many simulated warm containers at once, each with its own connection (one thread each).

``python -m bench.fanin_clients '<json settings>'`` prints one JSON result line. Every client logs in
(IAM token + TLS through the stand-in, or a password straight to MariaDB), then all hold their
connection open together, as warm Lambda containers with CONN_MAX_AGE do, run a few autocommit
INSERTs, and close together. mysqlclient releases the GIL while it waits on the network, so threads
are enough to keep hundreds of connections in flight.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from typing import Any

import MySQLdb

from webhook_site.database_config import PROXY_CONNECT_TIMEOUT_SECONDS, PROXY_READ_WRITE_TIMEOUT_SECONDS

BARRIER_TIMEOUT_SECONDS = 120.0
THREAD_STACK_BYTES = 512 * 1024
INSERT = "INSERT INTO deliveries (client, sequence, payload) VALUES (%s, %s, %s)"
NO_ERROR_CODE = "other"


def error_code(error: Exception) -> str:
    arguments = getattr(error, "args", ())
    return str(arguments[0]) if arguments and isinstance(arguments[0], int) else NO_ERROR_CODE


class FanIn:
    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        clients = settings["clients"]
        self.start = threading.Barrier(clients + 1, timeout=BARRIER_TIMEOUT_SECONDS)
        self.connected = threading.Barrier(clients + 1, timeout=BARRIER_TIMEOUT_SECONDS)
        self.finished = threading.Barrier(clients + 1, timeout=BARRIER_TIMEOUT_SECONDS)
        self.lock = threading.Lock()
        self.errors: Counter[str] = Counter()
        self.connect_ns: list[int] = []
        self.inserts = 0
        self.rds: Any = None
        if settings["iam"]:
            import boto3

            from webhook_site.db.clear_password_plugin import ensure_clear_password_plugin

            # libmariadb loads mysql_clear_password lazily at the first auth switch, and hundreds of
            # threads doing that at once race: a few then send something that is not the token.
            # Each real container is its own process, and the app loads the plugin at startup.
            ensure_clear_password_plugin()
            # One shared client (boto3 clients are thread-safe): making one per simulated container
            # costs tens of ms of GIL time each, which is not what this benchmark measures.
            self.rds = boto3.session.Session().client("rds", region_name=settings["region"])

    def password(self) -> str:
        """Each container mints its own token, as the app does for every new connection."""
        if self.rds is None:
            return str(self.settings["password"])
        return str(
            self.rds.generate_db_auth_token(
                DBHostname="127.0.0.1",
                Port=self.settings["port"],
                DBUsername=self.settings["user"],
                Region=self.settings["region"],
            )
        )

    def connect(self, password: str) -> Any:
        options: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.settings["port"],
            "user": self.settings["user"],
            "password": password,
            "database": self.settings["database"],
            "charset": "utf8mb4",
            "autocommit": True,
            "connect_timeout": PROXY_CONNECT_TIMEOUT_SECONDS,
            "read_timeout": PROXY_READ_WRITE_TIMEOUT_SECONDS,
            "write_timeout": PROXY_READ_WRITE_TIMEOUT_SECONDS,
        }
        if self.settings["iam"]:
            options.update(ssl={"ca": self.settings["ca"]}, ssl_mode="VERIFY_IDENTITY")
        return MySQLdb.connect(**options)

    def client(self, number: int) -> None:
        password = self.password()
        self.start.wait()
        connection = None
        started = time.perf_counter_ns()
        try:
            connection = self.connect(password)
            with self.lock:
                self.connect_ns.append(time.perf_counter_ns() - started)
        except MySQLdb.Error as error:
            self.record_error(error)
        self.connected.wait()
        if connection is not None:
            self.insert(connection, number)
        self.finished.wait()
        if connection is not None:
            connection.close()

    def insert(self, connection: Any, number: int) -> None:
        cursor = connection.cursor()
        for sequence in range(self.settings["inserts"]):
            try:
                cursor.execute(INSERT, (number, sequence, b"x" * 64))
            except MySQLdb.Error as error:
                self.record_error(error)
                return
            with self.lock:
                self.inserts += 1

    def record_error(self, error: Exception) -> None:
        with self.lock:
            self.errors[error_code(error)] += 1

    def run(self) -> dict[str, Any]:
        threading.stack_size(THREAD_STACK_BYTES)
        clients = range(self.settings["clients"])
        threads = [threading.Thread(target=self.client, args=(number,)) for number in clients]
        for thread in threads:
            thread.start()
        self.start.wait()  # every client has its token: the fan-in starts now
        began = time.perf_counter()
        self.connected.wait()
        connected = time.perf_counter()
        self.finished.wait()
        finished = time.perf_counter()
        for thread in threads:
            thread.join()
        return {
            "connected": len(self.connect_ns),
            "connect_ns": self.connect_ns,
            "errors": dict(self.errors),
            "inserts": self.inserts,
            "connect_phase_seconds": connected - began,
            "insert_phase_seconds": finished - connected,
        }


def main() -> None:
    print(json.dumps(FanIn(json.loads(sys.argv[1])).run()), flush=True)


if __name__ == "__main__":
    main()
