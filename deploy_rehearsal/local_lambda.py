"""Run the code moto says is deployed, the way Lambda would: moto stores functions but runs none here.

moto 5.2.5 executes Lambda invocations only in Docker, which this machine lacks. So the rehearsal
keeps the zips it hands to the CLI (``register_code``), and when its API Gateway needs a function it
asks moto for the function's configuration and runs the zip whose SHA-256 equals the configuration's
``CodeSha256`` -- the code the CLI actually uploaded, or nothing. The execution environment is
deploy_rehearsal/function_worker.py under the packaging venv's Python 3.12, the runtime's version,
with only the unpacked zip and the standard library importable, in the function's environment.
One environment per function revision: a new revision (``zappa update`` changes code and
configuration) means a cold start, as on Lambda.

Where this differs from Lambda, on purpose:
- The function's own AWS calls (Secrets Manager for the Django key) go to moto: AWS_ENDPOINT_URL is
  set in its environment, which Lambda never does.
- Its credentials are fixed keys of its execution role (looked up by the configuration's Role, as
  Lambda hands a function its role's session), not a session from STS; what the role may do is
  checked on the role's policy (deploy_rehearsal.checks), and the RDS Proxy stand-in lets these keys
  in only as the users the role's policy allows.
- The task root is a local folder, not /var/task.
"""

from __future__ import annotations

import base64
import hashlib
import json
import selectors
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from deploy_rehearsal.moto_server import REGION, MotoServer
from lambda_artifact.task_root import unpack_as_lambda

WORKER = Path(__file__).with_name("function_worker.py")


class FunctionError(RuntimeError):
    """The invocation failed as Lambda would report it (error, timeout) or could not be run at all."""


def code_sha256(zip_path: Path) -> str:
    """Lambda's CodeSha256: the base64 of the zip's SHA-256 digest."""
    digest = hashlib.sha256()
    with zip_path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return base64.b64encode(digest.digest()).decode("ascii")


@dataclass
class ExecutionEnvironment:
    function_name: str
    revision: str
    process: subprocess.Popen[str]
    log: TextIO  # the function's output, where Lambda would send it to CloudWatch
    invocations: int = 0


class LocalLambda:
    """Invoke functions deployed to moto by running their registered zip in a worker process."""

    def __init__(
        self, aws: MotoServer, python: Path, work_dir: Path, role_credentials: dict[str, dict[str, str]]
    ) -> None:
        """``role_credentials``: role ARN -> the AWS_* variables a function with that role gets."""
        self.aws = aws
        self.python = python
        self.work_dir = work_dir
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.role_credentials = role_credentials
        self.cold_starts = 0
        self._codes: dict[str, Path] = {}
        self._unpacked: dict[str, str] = {}  # function name -> code in its task root
        self._environments: dict[str, ExecutionEnvironment] = {}

    def __enter__(self) -> LocalLambda:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for environment in self._environments.values():
            self._stop(environment)

    def task_root(self, function_name: str) -> Path:
        """The function's /var/task: one per function, so two functions never share unpacked code."""
        return self.work_dir / "var-task" / function_name

    def register_code(self, zip_path: Path) -> str:
        sha = code_sha256(zip_path)
        self._codes[sha] = zip_path
        return sha

    def invoke(self, function_name: str, event: dict[str, Any]) -> Any:
        configuration = self.aws.client("lambda").get_function_configuration(FunctionName=function_name)
        environment = self._environment_for(configuration)
        environment.invocations += 1
        request = {"event": event, "context": self._context(configuration)}
        assert environment.process.stdin is not None
        environment.process.stdin.write(json.dumps(request) + "\n")
        environment.process.stdin.flush()
        answer = self._read_answer(environment, configuration["Timeout"])
        if "error" in answer:
            raise FunctionError(f"{answer['error']['errorType']}: {answer['error']['errorMessage']}")
        return answer["result"]

    def _environment_for(self, configuration: dict[str, Any]) -> ExecutionEnvironment:
        name = configuration["FunctionName"]
        # moto 5.2.5 returns no RevisionId and keeps LastModified on update; but every deploy and
        # update publishes a version (Zappa passes Publish=True), so the newest one marks a revision.
        versions = self.aws.client("lambda").list_versions_by_function(FunctionName=name)["Versions"]
        newest = max((v["Version"] for v in versions if v["Version"].isdigit()), key=int, default="$LATEST")
        revision = f"{configuration['CodeSha256']}@{newest}"
        current = self._environments.get(name)
        if current is not None and current.revision == revision:
            return current
        if current is not None:
            self._stop(current)
        task_root = self._unpack(name, configuration["CodeSha256"])
        log = self.log_path(name).open("a")
        process = subprocess.Popen(  # noqa: S603 - the function's Python on our worker script
            [str(self.python), "-I", "-S", "-B", str(WORKER), str(task_root), configuration["Handler"]],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=self._function_environment(configuration),
            text=True,
        )
        self.cold_starts += 1
        self._environments[name] = ExecutionEnvironment(name, revision, process, log)
        return self._environments[name]

    def log_path(self, function_name: str) -> Path:
        return self.work_dir / f"{function_name}.log"

    def _unpack(self, function_name: str, sha: str) -> Path:
        if sha not in self._codes:
            raise FunctionError(
                f"moto holds code {sha} for this function, which is none of the zips the rehearsal "
                f"deployed ({', '.join(map(str, self._codes.values())) or 'none'})"
            )
        task_root = self.task_root(function_name)
        if self._unpacked.get(function_name) != sha:
            shutil.rmtree(task_root, ignore_errors=True)
            unpack_as_lambda(self._codes[sha], task_root)
            self._unpacked[function_name] = sha
        return task_root

    def _function_environment(self, configuration: dict[str, Any]) -> dict[str, str]:
        """The variables the Lambda python3.12 runtime sets, then the function's own configuration."""
        name = configuration["FunctionName"]
        runtime = {
            "PATH": "/usr/local/bin:/usr/bin/:/bin",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": str(self.task_root(name)),
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{configuration['Runtime']}",
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(configuration["MemorySize"]),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "_HANDLER": configuration["Handler"],
            "AWS_ENDPOINT_URL": self.aws.endpoint_url,  # the rehearsal's one addition (module docstring)
            **self.role_credentials.get(configuration["Role"], {}),
        }
        configured: dict[str, str] = configuration.get("Environment", {}).get("Variables", {})
        return runtime | configured

    def _context(self, configuration: dict[str, Any]) -> dict[str, Any]:
        name = configuration["FunctionName"]
        return {
            "function_name": name,
            "function_version": "$LATEST",
            "invoked_function_arn": configuration["FunctionArn"],
            "memory_limit_in_mb": configuration["MemorySize"],
            "aws_request_id": str(uuid.uuid4()),
            "log_group_name": f"/aws/lambda/{name}",
            "log_stream_name": f"rehearsal/[$LATEST]{uuid.uuid4().hex}",
            "timeout_seconds": configuration["Timeout"],
        }

    def _read_answer(self, environment: ExecutionEnvironment, timeout_seconds: int) -> dict[str, Any]:
        assert environment.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(environment.process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout_seconds)
        line = environment.process.stdout.readline() if ready else ""
        if not line:
            # Lambda ends an environment that timed out or died; the next invocation starts a new one.
            self._stop(environment)
            self._environments = {k: v for k, v in self._environments.items() if v is not environment}
            reason = f"Task timed out after {timeout_seconds} seconds" if not ready else "Runtime exited"
            raise FunctionError(f"{reason} (log: {self.log_path(environment.function_name)})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    @staticmethod
    def _stop(environment: ExecutionEnvironment) -> None:
        environment.process.kill()
        environment.process.wait()
        environment.log.close()
