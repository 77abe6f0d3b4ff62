"""Progress on stderr (stdlib only): named steps with their duration, and a one-line progress bar."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TypeVar

WIDTH = 30
Result = TypeVar("Result")


def timed(seconds: dict[str, float], name: str, step: Callable[[], Result]) -> Result:
    """Run ``step``, saying so on stderr, and record its duration under ``name``."""
    print(f"[bench] {name} ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    result = step()
    seconds[name] = time.monotonic() - started
    print(f"[bench] {name} done in {seconds[name]:.1f} s", file=sys.stderr, flush=True)
    return result


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
