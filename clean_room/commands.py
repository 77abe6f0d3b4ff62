"""Running host commands for the clean room, with errors that carry the command's own words."""

from __future__ import annotations

import subprocess
from pathlib import Path


class CleanRoomError(RuntimeError):
    """A step of the proof failed or cannot start; the message says which and why."""


def run(command: list[str], cwd: Path | None = None) -> str:
    """Run ``command`` on the host; its standard output, or CleanRoomError with the tail of both streams."""
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise CleanRoomError(
            f"{' '.join(command)} failed ({completed.returncode}):\n"
            f"{completed.stdout[-3000:]}{completed.stderr[-3000:]}"
        )
    return completed.stdout
