"""The stand-in's machine-readable "ready" signal: a JSON file naming the ports it bound.

``python -m local_rds_proxy --ready-file PATH`` writes it once it listens, atomically (a temporary
file renamed into place), so a reader sees either nothing or the whole document; nothing has to
parse the human log line for ports.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReadySignal:
    """Where a started stand-in listens: its MySQL port, its stats port (None: no endpoint), its PID."""

    port: int
    stats_port: int | None
    pid: int


def write_ready_file(path: Path, signal: ReadySignal) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(asdict(signal)) + "\n")
    os.replace(temporary, path)


def read_ready_file(path: Path) -> ReadySignal | None:
    """The signal once written, or None while the stand-in has not got that far."""
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    stats_port = document["stats_port"]
    return ReadySignal(
        port=int(document["port"]),
        stats_port=None if stats_port is None else int(stats_port),
        pid=int(document["pid"]),
    )
