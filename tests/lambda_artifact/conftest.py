"""The Lambda zip unpacked as Lambda lays it out, and a probe that runs inside it.

The zip itself (``built_package``) is built once per session by tests/lambda_package.py, which the
deploy rehearsal's tests share.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from lambda_artifact.build import DEFAULT_VENV, PLUGIN_DIR_IN_ZIP
from lambda_artifact.task_root import unpack_as_lambda
from local_stack import aws_environment

PROBE = Path(__file__).with_name("package_probe.py")


@pytest.fixture(scope="session")
def unpacked_package(built_package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The zip's content as Lambda sees it under /var/task (files dated as in the zip)."""
    return unpack_as_lambda(built_package, tmp_path_factory.mktemp("var-task"))


def run_probe(package_dir: Path, mode: str, **environment: str) -> dict[str, Any]:
    # Only what Lambda would set (credentials, region, the function's variables): nothing inherited.
    base = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(package_dir)}
    # The local stack's pretend account: its stand-in checks the tokens the probe mints with these.
    base |= aws_environment() | {"MARIADB_PLUGIN_DIR": str(package_dir / PLUGIN_DIR_IN_ZIP)}
    completed = subprocess.run(  # noqa: S603 - the packaging venv's Python 3.12 on our probe
        # -B: /var/task is read-only on Lambda, so nothing the probe imports may leave bytecode behind.
        [str(DEFAULT_VENV / "bin" / "python"), "-I", "-S", "-B", str(PROBE), str(package_dir), mode],
        env={key: value for key, value in (base | environment).items() if value},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    # The probe's answer is its last line (Zappa's handler may print before it).
    result = json.loads(completed.stdout.splitlines()[-1])
    assert result.pop("modules_from_elsewhere") == []
    return result
