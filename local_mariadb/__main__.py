"""``python -m local_mariadb``: run a private MariaDB in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from local_mariadb.server import MariaDBServer, ServerAlreadyRunning


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m local_mariadb", description=__doc__)
    parser.add_argument("--dir", type=Path, required=True, help="base directory (data kept between runs)")
    parser.add_argument("--port", type=int, default=3307)
    parser.add_argument("--execute", action="append", default=[], help="SQL to run as root once started")
    parser.add_argument(
        "--reclaim-leftover",
        action="store_true",
        help="stop a mariadbd still serving --dir from a run that crashed, instead of refusing",
    )
    args = parser.parse_args()

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    server = MariaDBServer(base_dir=args.dir, port=args.port)
    try:
        server.start(reclaim_leftover=args.reclaim_leftover)
    except ServerAlreadyRunning as error:
        parser.exit(
            1, f"{parser.prog}: {error}, or pass --reclaim-leftover if it is left over from a crash\n"
        )
    try:
        if server.reclaimed_pid is not None:
            print(f"Stopped a leftover mariadbd (pid {server.reclaimed_pid}) that still served {args.dir}")
        server.execute(*args.execute)
        where = f"{server.host}:{server.port} (data in {args.dir})"
        print(f"MariaDB {server.version} (pid {server.pid}) on {where}", flush=True)
        stopped.wait()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
