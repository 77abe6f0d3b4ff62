"""One Lambda function run on this machine as Lambda runs it: unpacked zip, runtime client, Runtime API.

- The task root: the built zip unpacked with lambda_artifact.task_root (the zip's 1980 dates kept),
  its settings module filled in for the bench stack, then left alone: the interpreter runs with -B
  and the tree is fingerprinted before and checked after, since nothing here can mount it read-only.
- The runtime: the python3.12 runtime's interface client, awslambdaric (bench/requirements-lambda-
  runtime.txt, pinned), installed into its own directory standing in for /var/runtime, never into
  the zip; bench/lambda_bootstrap.py, copied there, stands in for /var/runtime/bootstrap.py.
- The interpreter: the packaging venv's Python 3.12 with -I -S -B, so only the zip, the runtime
  directory and the standard library are importable.
- The environment: only what Lambda sets for a function (configuration-envvars.html), plus the stage's
  own variables from the zip's zappa_settings.py.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.lambda_runtime_api import Outcome, RuntimeApi
from bench.paths import REPOSITORY
from bench.zappa_stage import SETTINGS_MODULE, with_stage_variables
from lambda_artifact.task_root import unpack_as_lambda
from local_stack import REGION, aws_environment

RUNTIME_REQUIREMENTS = REPOSITORY / "bench" / "requirements-lambda-runtime.txt"
BOOTSTRAP = Path(__file__).with_name("lambda_bootstrap.py")
BOOTSTRAP_IN_RUNTIME = "bootstrap.py"  # /var/runtime/bootstrap.py
# `zappa package` puts its handler module at the zip's root; zappa deploy configures this handler.
HANDLER = "handler.lambda_handler"
RUNTIME = "python3.12"
INTERPRETER_FLAGS = ("-I", "-S", "-B")
COLD_START_TIMEOUT_SECONDS = 90


class FunctionFailed(RuntimeError):
    """The function reported an error, crashed or did not answer in time; the message has its log."""


def install_runtime(directory: Path, python: Path) -> Path:
    """awslambdaric and its dependencies, for the function's Python, in ``directory`` (the runtime dir)."""
    # --no-deps: the file pins every dependency itself, so what is installed is exactly what it lists.
    command = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
    command += ["--only-binary=:all:", "--target", str(directory), "-r", str(RUNTIME_REQUIREMENTS)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"installing the Lambda runtime client failed:\n{completed.stderr[-3000:]}")
    shutil.copyfile(BOOTSTRAP, directory / BOOTSTRAP_IN_RUNTIME)
    return directory


def tree_fingerprint(root: Path) -> str:
    """A digest of every file's path, size and modification time under ``root``."""
    digest = hashlib.sha256()
    for directory, _subdirectories, files in sorted(os.walk(root)):
        for name in sorted(files):
            status = os.stat(os.path.join(directory, name))
            digest.update(f"{directory}/{name}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def fill_in_stage(task_root: Path, python: Path, overrides: dict[str, str]) -> None:
    """Point the unpacked zip's stage variables at the bench stack, and recompile that module's .pyc."""
    settings = task_root / f"{SETTINGS_MODULE}.py"
    settings.write_text(with_stage_variables(settings.read_text(), overrides, task_root))
    subprocess.run(
        [str(python), "-m", "lambda_artifact.bytecode", "--recompile", str(task_root), str(settings)],
        cwd=REPOSITORY,
        check=True,
        capture_output=True,
    )


@dataclass(frozen=True)
class LambdaFunction:
    """A function as Lambda would run it: its name and memory (as Zappa deploys it) and its code."""

    name: str
    memory_mb: int
    task_root: Path
    runtime_dir: Path
    python: Path
    home: Path  # an empty directory: nothing of this machine's ~/.aws may reach botocore
    fingerprint: str
    # The function configuration's own variables (Zappa's aws_environment_variables).
    configured: dict[str, str]

    @classmethod
    def from_package(
        cls,
        name: str,
        package: Path,
        directory: Path,
        runtime_dir: Path,
        python: Path,
        stage_overrides: dict[str, str] | None = None,
        memory_mb: int = 1024,
        configured: dict[str, str] | None = None,
    ) -> LambdaFunction:
        task_root = unpack_as_lambda(package, directory / "task")
        if stage_overrides is not None:
            fill_in_stage(task_root, python, stage_overrides)
        home = directory / "home"
        home.mkdir()
        return cls(
            name,
            memory_mb,
            task_root,
            runtime_dir,
            python,
            home,
            tree_fingerprint(task_root),
            configured or {},
        )

    def environment(self, runtime_api: str) -> dict[str, str]:
        """What Lambda sets (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html).

        The role's credentials are the stand-in's (no session token: its verifier knows none). LANG is
        C.UTF-8 because this machine has no en_US.UTF-8 locale; Lambda's PATH entries that exist only
        there (/var/lang/bin, /opt/bin) are left out.
        """
        return self.configured | {
            "_HANDLER": HANDLER,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{RUNTIME}",
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2026/12/01/[$LATEST]0123456789abcdef0123456789abcdef",
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            **aws_environment(),
            "AWS_DEFAULT_REGION": REGION,
            "LAMBDA_TASK_ROOT": str(self.task_root),
            "LAMBDA_RUNTIME_DIR": str(self.runtime_dir),
            "TZ": ":UTC",
            "LANG": "C.UTF-8",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LD_LIBRARY_PATH": ":".join(
                str(path)
                for path in (
                    self.runtime_dir,
                    self.runtime_dir / "lib",
                    self.task_root,
                    self.task_root / "lib",
                )
            ),
            "HOME": str(self.home),
        }

    def check_unchanged(self) -> None:
        """Raise if anything under the task root was written since it was unpacked (e.g. bytecode)."""
        if tree_fingerprint(self.task_root) != self.fingerprint:
            raise RuntimeError(f"{self.task_root} changed while the function ran: it must be read-only")


@dataclass(frozen=True)
class ColdStart:
    """One execution environment's life up to its last answer, on the bench's clock (perf_counter ns)."""

    spawned_ns: int
    next_requests_ns: list[int]
    outcomes: list[Outcome]
    stderr: str
    # The process's own CPU time (user + system) until it was stopped, right after its last answer:
    # what other jobs on a shared machine disturb far less than the wall-clock times.
    cpu_ms: float

    @property
    def init_ms(self) -> float:
        """Spawn to the runtime's first /next: interpreter, runtime client, the handler module's import."""
        return (self.next_requests_ns[0] - self.spawned_ns) / 1e6

    @property
    def first_response_ms(self) -> float:
        return (self.outcomes[0].received_ns - self.spawned_ns) / 1e6

    @property
    def first_invocation_ms(self) -> float:
        return self.first_response_ms - self.init_ms

    def response(self, index: int = 0) -> dict[str, Any]:
        return dict(self.outcomes[index].json())


def cold_start(
    function: LambdaFunction,
    events: list[dict[str, Any]],
    log_path: Path,
    python_options: Sequence[str] = (),
) -> ColdStart:
    """Start a fresh execution environment, serve it ``events`` one by one, stop it after the last answer."""
    with RuntimeApi(events, function.name, REGION) as api, log_path.open("w+b") as log:
        bootstrap = function.runtime_dir / BOOTSTRAP_IN_RUNTIME
        command = [str(function.python), *INTERPRETER_FLAGS, *python_options, str(bootstrap)]
        spawned_ns = time.perf_counter_ns()
        process = subprocess.Popen(
            command,
            cwd=function.task_root,
            env=function.environment(api.address),
            stdout=log,
            stderr=log,
        )
        try:
            outcomes = api.wait_for_outcomes(len(events), COLD_START_TIMEOUT_SECONDS)
        finally:
            # Lambda would freeze the environment here; it is of no further use to the benchmark.
            process.kill()
            _pid, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read().decode(errors="replace")
    failures = [outcome for outcome in outcomes if outcome.kind != "response"]
    if failures or len(outcomes) < len(events):
        reported = failures[0].body.decode(errors="replace") if failures else "no answer"
        raise FunctionFailed(f"{function.name}: {reported}\n--- its output ---\n{output[-4000:]}")
    cpu_ms = (usage.ru_utime + usage.ru_stime) * 1000
    return ColdStart(spawned_ns, api.next_requests_ns, outcomes, output, cpu_ms)
