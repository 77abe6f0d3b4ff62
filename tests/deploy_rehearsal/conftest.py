"""A moto server process for the rehearsal's unit tests, and small functions deployed to it."""

from __future__ import annotations

import json
import sys
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from deploy_rehearsal.local_lambda import LocalLambda
from deploy_rehearsal.moto_server import MotoServer

LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    with MotoServer(tmp_path_factory.mktemp("moto") / "requests.jsonl") as server:
        yield server


@pytest.fixture(scope="session")
def function_role(moto: MotoServer) -> str:
    """moto's CreateFunction wants a role Lambda may assume."""
    role = moto.client("iam").create_role(
        RoleName="rehearsal-test", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST)
    )
    return str(role["Role"]["Arn"])


@pytest.fixture
def lambdas(moto: MotoServer, tmp_path: Path) -> Iterator[LocalLambda]:
    """Runs functions with this interpreter: the test handlers need nothing but the standard library."""
    with LocalLambda(moto, Path(sys.executable), tmp_path, {}) as local:
        yield local


@pytest.fixture
def deploy_function(
    moto: MotoServer, lambdas: LocalLambda, function_role: str, tmp_path: Path
) -> Callable[..., str]:
    """Create a function in moto from handler source (module ``handler``); returns its name."""

    def deploy(source: str, timeout: int = 3, register: bool = True) -> str:
        name = f"rehearsal-test-{uuid.uuid4().hex[:8]}"
        package = tmp_path / f"{name}.zip"
        with zipfile.ZipFile(package, "w") as archive:
            archive.writestr("handler.py", source)
        if register:
            lambdas.register_code(package)
        moto.client("lambda").create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=function_role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": package.read_bytes()},
            Timeout=timeout,
            Publish=True,
        )
        return name

    return deploy
