"""Run the real zappa CLI (and the other docs/deploy.md commands) as an operator would: a subprocess.

The environment is built from scratch (a few basics plus what the rehearsal passes: moto's endpoint
and fake keys, the local API Gateway as HTTPS proxy), so no operator profile, credential or region
of the machine running the rehearsal can take part.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ZAPPA = Path(sys.executable).with_name("zappa")
COMMAND_TIMEOUT_SECONDS = 600
INHERITED = ("PATH", "HOME", "LANG", "TMPDIR")


@dataclass(frozen=True)
class CommandResult:
    arguments: tuple[str, ...]
    exit_code: int
    seconds: float
    output: str  # stdout and stderr interleaved, as the operator sees them

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0

    @property
    def label(self) -> str:
        """``zappa deploy``, or the module of a ``python -m`` command."""
        program, first = Path(self.arguments[0]).name, self.arguments[1]
        return self.arguments[2] if first == "-m" else f"{program} {first}"


def run_command(arguments: list[str], environment: dict[str, str], cwd: Path) -> CommandResult:
    inherited = {key: os.environ[key] for key in INHERITED if key in os.environ}
    started = time.monotonic()
    completed = subprocess.run(  # noqa: S603 - our own virtualenv's tools, fixed arguments
        arguments,
        cwd=cwd,
        env=inherited | environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    return CommandResult(tuple(arguments), completed.returncode, time.monotonic() - started, completed.stdout)


def zappa(subcommand: str, stage: str, settings_file: Path, *extra: str) -> list[str]:
    return [str(ZAPPA), subcommand, stage, "-s", str(settings_file), *extra]
