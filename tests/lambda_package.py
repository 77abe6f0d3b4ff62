"""The production Lambda zip, built once per session exactly as `make lambda-package` builds it.

A pytest plugin (tests/conftest.py), so the package tests (tests/lambda_artifact) and the deploy
rehearsal (tests/deploy_rehearsal) share one build.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_artifact.build import BuildError, build_package, find_runtime_python
from local_rds_proxy import CertificatePaths, make_test_certificates
from tests.prerequisites import missing_prerequisite

STAGE = "production"


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
