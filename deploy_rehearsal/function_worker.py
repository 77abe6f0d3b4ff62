"""One Lambda execution environment: ``python -I -S -B function_worker.py TASK_ROOT HANDLER``.

Run by deploy_rehearsal.local_lambda with the function's Python (the packaging venv's 3.12) and the
function's environment. Standard library only: with -I -S nothing but the unpacked zip (first on
sys.path, as /var/task is on Lambda) and the standard library can be imported, and -B because
/var/task is read-only on Lambda. Like the Lambda Python runtime it imports the handler once (the
init phase), then serves invocations one at a time.

Protocol: one JSON object per line on stdin, ``{"event": ..., "context": {...}}``; one per line back,
``{"result": ...}`` or ``{"error": {"errorType", "errorMessage", "stackTrace"}}``, on the process's
original stdout. The function's own output (print, logging) is moved to stderr, where Lambda would
send it to CloudWatch, so it can never corrupt an answer.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The context object of the Lambda Python runtime (the attributes Zappa's handler reads)."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.function_name = fields["function_name"]
        self.function_version = fields["function_version"]
        self.invoked_function_arn = fields["invoked_function_arn"]
        self.memory_limit_in_mb = fields["memory_limit_in_mb"]
        self.aws_request_id = fields["aws_request_id"]
        self.log_group_name = fields["log_group_name"]
        self.log_stream_name = fields["log_stream_name"]
        self._deadline = time.monotonic() + fields["timeout_seconds"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def error_answer(error: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "error": {
            "errorType": error_type or type(error).__name__,
            "errorMessage": str(error),
            "stackTrace": traceback.format_exception(error),
        }
    }


def load_handler(handler_name: str) -> Any:
    module_name, _, function_name = handler_name.rpartition(".")
    return getattr(importlib.import_module(module_name), function_name)


def main() -> None:
    task_root, handler_name = sys.argv[1], sys.argv[2]
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.path[0] = task_root  # instead of this script's folder
    os.chdir(task_root)  # Lambda starts the runtime in /var/task
    try:
        handler, init_error = load_handler(handler_name), None
    except Exception as error:  # Lambda reports it on every invocation: Runtime.ImportModuleError
        handler, init_error = None, error_answer(error, "Runtime.ImportModuleError")
    for line in sys.stdin:
        request = json.loads(line)
        if init_error is not None:
            answer = init_error
        else:
            try:
                answer = {"result": handler(request["event"], LambdaContext(request["context"]))}
            except Exception as error:  # the function's error is the invocation's answer, as on Lambda
                answer = error_answer(error)
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
