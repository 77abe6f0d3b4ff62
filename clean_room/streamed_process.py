"""A command whose output is logged and shown line by line while this program watches for a line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


class StreamedProcess:
    """``command`` in its own session (so it can be stopped with everything it started)."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: Path, label: str) -> None:
        self.timed_lines: list[tuple[float, str]] = []  # (seconds since the start, line)
        self.started = time.monotonic()
        self.ended: float | None = None  # seconds since the start when the output ended
        self._changed = threading.Condition()
        self._log = log_path.open("w")
        self._label = label
        self.process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._log.write(line)
            self._log.flush()
            sys.stdout.write(f"[{self._label}] {line}")
            sys.stdout.flush()
            with self._changed:
                self.timed_lines.append((time.monotonic() - self.started, line.rstrip("\n")))
                self._changed.notify_all()
        with self._changed:
            self.ended = time.monotonic() - self.started
            self._changed.notify_all()

    @property
    def lines(self) -> list[str]:
        return [line for _, line in self.timed_lines]

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, prefix: str, timeout: float) -> tuple[float, str] | None:
        """The first line starting with ``prefix`` and when it came (seconds since the start); None if
        the process ended or time ran out first."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((timed for timed in self.timed_lines if timed[1].startswith(prefix)), None)
                if found is not None or not self._reader.is_alive():
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(min(remaining, 1.0))

    def wait(self, timeout: float) -> int:
        returncode = self.process.wait(timeout)
        self._reader.join()
        self._log.close()
        return returncode

    def interrupt(self, grace_seconds: float) -> int:
        """SIGINT to the whole session, as Ctrl-C would send; SIGKILL if it is not gone in time."""
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.wait(grace_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.wait(grace_seconds)
