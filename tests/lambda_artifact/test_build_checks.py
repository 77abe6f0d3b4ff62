"""The build's system checks: Django's deploy checks and the stage's mysql_iam configuration, run on
the staging copy with the stage's environment, no database and no AWS within reach.

They run here with the development venv in place of the packaging one (same checks, no Python 3.12
packaging venv to build); the full build runs them with the packaging venv (test_built_package.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from lambda_artifact.build import (
    DEFAULT_PLUGIN,
    BuildError,
    check_deploy_settings,
    place_native_files,
    stage_source_tree,
)

DEV_VENV = Path(sys.prefix)


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    staging = tmp_path / "staging"
    stage_source_tree(staging)
    place_native_files(staging, DEFAULT_PLUGIN, None)
    return staging


def set_stage_variable(staging: Path, stage: str, name: str, value: str) -> None:
    settings_file = staging / "zappa_settings.json"
    settings = json.loads(settings_file.read_text())
    settings[stage].setdefault("environment_variables", {})[name] = value
    settings_file.write_text(json.dumps(settings))


def test_the_production_stage_passes_the_builds_checks(staging: Path) -> None:
    check_deploy_settings("production", staging, DEV_VENV)


def test_a_stage_url_that_skips_the_host_name_check_fails_the_build(staging: Path) -> None:
    url = "mysql-iam://webhook_app@proxy.example.com:3306/webhook_site?ssl_mode=VERIFY_CA"
    set_stage_variable(staging, "production", "DATABASE_URL", url)

    with pytest.raises(BuildError, match=r"mysql_iam\.E005"):
        check_deploy_settings("production", staging, DEV_VENV)


def test_a_stage_without_the_plugin_in_its_package_fails_the_build(staging: Path) -> None:
    set_stage_variable(staging, "production", "MARIADB_PLUGIN_DIR", "/var/task/lambda_native/elsewhere")

    with pytest.raises(BuildError, match=r"mysql_iam\.E006"):
        check_deploy_settings("production", staging, DEV_VENV)
