"""The RDS Proxy stand-in as its own process, so it never shares a GIL with the client being measured.

It is found through its ready file (``--ready-file``: JSON with the bound ports), never through its log.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from local_rds_proxy import read_ready_file

REPOSITORY = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 20.0
STOP_TIMEOUT_SECONDS = 20.0


class StandInProcess:
    """``python -m local_rds_proxy --config <file>``; its log and ready file go next to the config."""

    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path
        self.log_path = config_path.with_suffix(".log")
        self.ready_path = config_path.with_suffix(".ready.json")
        self.port = 0
        self.stats_port = 0
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> StandInProcess:
        self.ready_path.unlink(missing_ok=True)  # a previous run's ports are not this run's
        # Appended, so a restart keeps the earlier runs' log.
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 -- this interpreter running our own package
                [
                    sys.executable,
                    "-m",
                    "local_rds_proxy",
                    "--config",
                    str(self.config_path),
                    "--ready-file",
                    str(self.ready_path),
                ],
                cwd=REPOSITORY,
                stdout=log,
                stderr=log,
            )
        self._wait_until_ready(self._process)
        return self

    def _wait_until_ready(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the stand-in exited:\n{self._log_tail()}")
            ready = read_ready_file(self.ready_path)
            if ready is not None:
                self.port = ready.port
                self.stats_port = ready.stats_port or 0
                return
            time.sleep(0.02)
        raise RuntimeError(
            f"the stand-in did not start in {START_TIMEOUT_SECONDS:.0f} s:\n{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stats(self) -> dict[str, Any]:
        if not self.stats_port:
            raise RuntimeError("this stand-in has no stats endpoint (stats_port is not set)")
        with urllib.request.urlopen(f"http://127.0.0.1:{self.stats_port}/stats", timeout=10) as response:
            return dict(json.load(response))

    def kill(self) -> None:
        """Crash it (SIGKILL), as a failing host would: no clean shutdown of its connections."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
