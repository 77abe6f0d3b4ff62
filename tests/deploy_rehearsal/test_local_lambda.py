"""Running the code moto says is deployed, in an execution environment of its own."""

from __future__ import annotations

import pytest

from deploy_rehearsal.local_lambda import FunctionError, LocalLambda
from deploy_rehearsal.moto_server import MotoServer

ECHO = """
import os

def lambda_handler(event, context):
    return {"event": event, "function": context.function_name, "root": os.environ["LAMBDA_TASK_ROOT"]}
"""


def test_answers_with_the_handlers_result(lambdas: LocalLambda, deploy_function) -> None:
    name = deploy_function(ECHO)

    answer = lambdas.invoke(name, {"x": 1})

    assert answer == {"event": {"x": 1}, "function": name, "root": str(lambdas.task_root(name))}


def test_an_error_raised_by_the_function_is_its_answer(lambdas: LocalLambda, deploy_function) -> None:
    name = deploy_function("def lambda_handler(event, context):\n    raise KeyError('boom')\n")

    with pytest.raises(FunctionError, match="KeyError"):
        lambdas.invoke(name, {})


def test_code_the_rehearsal_did_not_deploy_is_not_run(lambdas: LocalLambda, deploy_function) -> None:
    name = deploy_function(ECHO, register=False)

    with pytest.raises(FunctionError, match="none of the zips"):
        lambdas.invoke(name, {})


def test_a_function_past_its_timeout_is_stopped(lambdas: LocalLambda, deploy_function) -> None:
    name = deploy_function(
        "import time\ndef lambda_handler(event, context):\n    time.sleep(30)\n", timeout=1
    )

    with pytest.raises(FunctionError, match="Task timed out after 1 seconds"):
        lambdas.invoke(name, {})


def test_a_published_update_starts_a_new_environment(
    moto: MotoServer, lambdas: LocalLambda, deploy_function
) -> None:
    name = deploy_function(ECHO)
    lambdas.invoke(name, {})
    lambdas.invoke(name, {})
    assert lambdas.cold_starts == 1

    client = moto.client("lambda")
    client.update_function_configuration(FunctionName=name, MemorySize=256)
    client.publish_version(FunctionName=name)  # `zappa update` publishes each release (Publish=True)
    lambdas.invoke(name, {})

    assert lambdas.cold_starts == 2
