"""``python -m local_rds_proxy --config proxy.toml``: run the RDS Proxy stand-in until Ctrl-C / SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from local_rds_proxy.config import ConfigError, load_config
from local_rds_proxy.server import ProxyServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_rds_proxy", description=__doc__)
    parser.add_argument("--config", type=Path, required=True, help="TOML file (see docs/local-rds-proxy.md)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        server = ProxyServer(load_config(args.config))
    except (ConfigError, ValueError) as error:
        print(f"local_rds_proxy: {error}", file=sys.stderr)
        return 2
    asyncio.run(_run_until_signalled(server))
    return 0


async def _run_until_signalled(server: ProxyServer) -> None:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):  # a signal: server.run() has shut down cleanly
        await server.run()


if __name__ == "__main__":
    sys.exit(main())
