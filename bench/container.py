"""The driver's side of a simulated Lambda container (bench.container_worker in its own process)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from bench.paths import REPOSITORY
from bench.stack import BenchStack, lambda_runtime_environment
from bench.zappa_stage import write_stage_settings
from local_stack import DATABASE


class ContainerError(RuntimeError):
    """The container answered a command with a traceback."""


class ContainerProcess:
    """A warm container: started (cold start) once, then sent invocations batch by batch."""

    def __init__(
        self,
        stack: BenchStack,
        generated_settings: str,
        name: str,
        conn_max_age: int,
        database: str = DATABASE,
    ) -> None:
        directory = stack.work_dir / "containers" / name
        write_stage_settings(generated_settings, directory, stack.stage_variables(conn_max_age, database))
        self.log_path = directory / "container.log"
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "bench.container_worker", str(directory)],
                cwd=REPOSITORY,
                env=lambda_runtime_environment(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self._read_answer()

    def _read_answer(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise ContainerError(f"container exited:\n{self.log_path.read_text(errors='replace')[-4000:]}")
        answer = dict(json.loads(line))
        if "error" in answer:
            raise ContainerError(answer["error"])
        return answer

    def send(self, op: str, **arguments: Any) -> dict[str, Any]:
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self._process.stdin.flush()
        return self._read_answer()

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> ContainerProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
