"""The RDS Proxy stand-in in its own process, so it never shares a GIL with the client being measured."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_rds_proxy import AwsCredential, CertificatePaths, ProxyConfig

REPOSITORY = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+) .* stats on http://127\.0\.0\.1:(\d+)/stats")
START_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class PoolSettings:
    max_connections: int
    borrow_timeout_seconds: float


def proxy_config(
    backend_port: int,
    certificates: CertificatePaths,
    credential: AwsCredential,
    region: str,
    secrets: dict[str, str],
    pool: PoolSettings,
) -> ProxyConfig:
    """The stand-in's settings for a benchmark: any free ports, stats endpoint on, no periodic log."""
    return ProxyConfig(
        tls_cert=certificates.server_cert,
        tls_key=certificates.server_key,
        backend_port=backend_port,
        secrets=secrets,
        credentials=[credential],
        region=region,
        endpoints=["127.0.0.1"],
        max_connections=pool.max_connections,
        borrow_timeout_seconds=pool.borrow_timeout_seconds,
        idle_client_timeout_seconds=1800,
        stats_port=0,
        stats_log_interval_seconds=0,
    )


class ProxyProcess:
    """``python -m local_rds_proxy --config <file>``; its log goes to a file next to the config."""

    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path
        self.log_path = config_path.with_suffix(".log")
        self.port = 0
        self.stats_port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    def start(self) -> ProxyProcess:
        # Appended, so a restart keeps the earlier runs' log; the new run's lines start at this offset.
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "local_rds_proxy", "--config", str(self.config_path)],
            cwd=REPOSITORY,
            stdout=log,
            stderr=log,
        )
        log.close()
        self.port, self.stats_port = self._wait_for_listening_line()
        return self

    def _wait_for_listening_line(self) -> tuple[int, int]:
        # Both ports are 0 in the config (any free one): the stand-in names them in its first log line.
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"the stand-in exited:\n{self.log_path.read_text(errors='replace')}")
            match = LISTENING.search(self.log_path.read_bytes()[self._log_offset :].decode(errors="replace"))
            if match:
                return int(match.group(1)), int(match.group(2))
            time.sleep(0.02)
        raise RuntimeError(f"the stand-in did not start:\n{self.log_path.read_text(errors='replace')}")

    def stats(self) -> dict[str, Any]:
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
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
