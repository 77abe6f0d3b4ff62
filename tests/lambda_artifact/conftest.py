"""The Lambda zip, built once per session exactly as `make lambda-package` builds it, and unpacked."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from lambda_artifact.build import BuildError, build_package
from local_rds_proxy import CertificatePaths, make_test_certificates

STAGE = "production"


def lambda_python() -> str:
    """The Python 3.12 the package is built with: LAMBDA_PYTHON, else python3.12 on PATH or in pyenv."""
    candidates = [os.environ.get("LAMBDA_PYTHON"), shutil.which("python3.12")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(path) for path in pyenv_root.glob("versions/3.12*/bin/python3.12"))
    found = next((candidate for candidate in candidates if candidate and Path(candidate).exists()), None)
    if found is None:
        pytest.fail("packaging for Lambda needs a Python 3.12: install one or set LAMBDA_PYTHON")
    return found


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
    """The zip's content as Lambda sees it under /var/task."""
    directory = tmp_path_factory.mktemp("var-task")
    with zipfile.ZipFile(built_package) as archive:
        archive.extractall(directory)
    return directory
