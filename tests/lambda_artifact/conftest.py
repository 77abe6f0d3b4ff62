"""The Lambda zip, built once per session exactly as `make lambda-package` builds it, and unpacked."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from lambda_artifact.build import (
    DEFAULT_VENV,
    PLUGIN_DIR_IN_ZIP,
    BuildError,
    build_package,
    find_runtime_python,
)
from lambda_artifact.task_root import unpack_as_lambda
from local_rds_proxy import AwsCredential, CertificatePaths, make_test_certificates
from tests.prerequisites import missing_prerequisite

STAGE = "production"
PROBE = Path(__file__).with_name("package_probe.py")
REGION = "eu-west-1"
CREDENTIAL = AwsCredential("AKIALAMBDAPACKAGE001", "lambda-package-test-secret-key")


def lambda_python() -> str:
    """The Python 3.12 the package is built with (LAMBDA_PYTHON, this interpreter, PATH or pyenv).

    Without one (Debian 12 packages only 3.11) the zip cannot be built, so every test of it is skipped
    outside CI, saying what to install, and fails in CI.
    """
    try:
        return find_runtime_python()
    except BuildError as error:
        missing_prerequisite(
            f"{error}. The Lambda zip is built with the function's Python 3.12 and its venv module: "
            "on Ubuntu 24.04 `sudo apt-get install -y python3.12-venv`; Debian 12 packages no 3.12, "
            "so there `pyenv install 3.12` (found automatically)"
        )


@pytest.fixture(scope="session")
def package_certificates(tmp_path_factory: pytest.TempPathFactory) -> CertificatePaths:
    """A CA and server certificate; the CA also stands in for the RDS CA bundle shipped in the zip."""
    return make_test_certificates(tmp_path_factory.mktemp("package-certificates"))


@pytest.fixture(scope="session")
def built_package(tmp_path_factory: pytest.TempPathFactory, package_certificates: CertificatePaths) -> Path:
    directory = tmp_path_factory.mktemp("lambda-package")
    try:
        return build_package(
            STAGE,
            directory / f"webhook-site-{STAGE}.zip",
            lambda_python(),
            staging=directory / "src",
            rds_ca_bundle=package_certificates.ca_cert,
        )
    except BuildError as error:
        pytest.fail(f"building the Lambda package failed: {error}")


@pytest.fixture(scope="session")
def unpacked_package(built_package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The zip's content as Lambda sees it under /var/task (files dated as in the zip)."""
    return unpack_as_lambda(built_package, tmp_path_factory.mktemp("var-task"))


def run_probe(package_dir: Path, mode: str, **environment: str) -> dict:
    # Only what Lambda would set (credentials, region, the function's variables): nothing inherited.
    base = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(package_dir)}
    base |= {
        "AWS_ACCESS_KEY_ID": CREDENTIAL.access_key_id,
        "AWS_SECRET_ACCESS_KEY": CREDENTIAL.secret_access_key,
        "AWS_REGION": REGION,
        "MARIADB_PLUGIN_DIR": str(package_dir / PLUGIN_DIR_IN_ZIP),
    }
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
