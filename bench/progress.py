"""A one-line progress bar on stderr (stdlib only)."""

from __future__ import annotations

import sys
import time

WIDTH = 30


class ProgressBar:
    def __init__(self, label: str, total: int) -> None:
        self.label = label
        self.total = max(total, 1)
        self.started = time.monotonic()

    def update(self, done: int) -> None:
        filled = WIDTH * done // self.total
        elapsed = time.monotonic() - self.started
        bar = "#" * filled + "." * (WIDTH - filled)
        sys.stderr.write(f"\r  {self.label} [{bar}] {done:,}/{self.total:,} {elapsed:5.1f} s")
        if done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()
