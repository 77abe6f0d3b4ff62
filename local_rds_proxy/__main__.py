"""``python -m local_rds_proxy --config proxy.toml [--ready-file ready.json]``: run the RDS Proxy stand-in
until Ctrl-C / SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

from local_rds_proxy.config import ConfigError, load_config
from local_rds_proxy.ready_file import ReadySignal, write_ready_file
from local_rds_proxy.server import ProxyServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_rds_proxy", description=__doc__)
    parser.add_argument("--config", type=Path, required=True, help="TOML file (see docs/local-rds-proxy.md)")
    parser.add_argument(
        "--ready-file",
        type=Path,
        help="once listening, write the bound ports here as JSON (for scripts; see docs/local-rds-proxy.md)",
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        server = ProxyServer(load_config(args.config))
    except (ConfigError, ValueError) as error:
        print(f"local_rds_proxy: {error}", file=sys.stderr)
        return 2
    asyncio.run(_run_until_signalled(server, args.ready_file))
    return 0


async def _run_until_signalled(server: ProxyServer, ready_file: Path | None) -> None:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):  # a signal: server.run() has shut down cleanly
        await server.run(on_ready=None if ready_file is None else lambda: _signal_ready(server, ready_file))


def _signal_ready(server: ProxyServer, ready_file: Path) -> None:
    write_ready_file(ready_file, ReadySignal(port=server.port, stats_port=server.stats_port, pid=os.getpid()))


if __name__ == "__main__":
    sys.exit(main())
