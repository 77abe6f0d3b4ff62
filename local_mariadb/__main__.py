"""``python -m local_mariadb``: run a private MariaDB in the foreground until Ctrl-C (for ``make stack``)."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from local_mariadb.server import MariaDBServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, required=True, help="data directory (kept between runs)")
    parser.add_argument("--port", type=int, default=3307)
    parser.add_argument("--execute", action="append", default=[], help="SQL to run as root once started")
    args = parser.parse_args()

    server = MariaDBServer(base_dir=args.dir, port=args.port).start()
    server.execute(*args.execute)
    print(f"MariaDB {server.version} on {server.host}:{server.port} (data in {args.dir})", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    server.stop()


if __name__ == "__main__":
    main()
