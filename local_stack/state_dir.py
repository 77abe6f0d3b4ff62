"""One `make stack` at a time per state directory, and a way to tell a live one from a crashed one.

The stack holds an flock on ``stack.pid`` (which names its PID) for as long as it runs. The kernel
drops the lock when the process ends, however it ends, so a lock that can be taken means no stack is
running, and anything still serving the state directory is a leftover of one that crashed.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PID_FILE_NAME = "stack.pid"


class StateDirInUse(RuntimeError):
    """Another stack is running on this state directory."""


@contextmanager
def own_state_dir(state_dir: Path) -> Iterator[None]:
    """Hold ``state_dir`` for this process; StateDirInUse (naming the holder's PID) if a live stack has it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with (state_dir / PID_FILE_NAME).open("a+") as pid_file:
        try:
            fcntl.flock(pid_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid_file.seek(0)
            holder = pid_file.read().strip() or "unknown"
            raise StateDirInUse(
                f"another make stack (pid {holder}) is running on {state_dir}: "
                f"stop it first (Ctrl-C in its terminal, or kill {holder})"
            ) from None
        pid_file.seek(0)
        pid_file.truncate()
        pid_file.write(f"{os.getpid()}\n")
        pid_file.flush()
        yield
