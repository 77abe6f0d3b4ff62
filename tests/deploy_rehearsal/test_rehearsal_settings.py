"""The rehearsal's §2/§3: a filled copy of the settings, and the built zip given that copy's module."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from deploy_rehearsal.rehearsal_settings import fill_settings, local_environment, rebake, settings_module
from lambda_artifact.build import REPO_ROOT
from tests.infra.test_fill_zappa_settings import PLACEHOLDER, PRODUCTION_OUTPUTS

COMMITTED = REPO_ROOT / "zappa_settings.json"
LOCAL = {"DATABASE_CA_BUNDLE": "/tmp/ca.pem"}


def test_module_written_from_the_committed_settings_is_the_built_zips(built_package: Path) -> None:
    # So rewriting only this module equals rebuilding the zip from the filled settings.
    with zipfile.ZipFile(built_package) as archive:
        built = archive.read("zappa_settings.py").decode()

    assert settings_module(COMMITTED, "production") == built


def test_rebake_swaps_the_settings_module_and_drops_its_stale_bytecode(tmp_path: Path) -> None:
    original = tmp_path / "built.zip"
    entries = {
        "handler.py": b"handler",
        "__pycache__/handler.cpython-312.pyc": b"handler bytecode",
        "zappa_settings.py": b"PLACEHOLDERS = True",
        "__pycache__/zappa_settings.cpython-312.pyc": b"placeholder bytecode",
    }
    with zipfile.ZipFile(original, "w") as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)

    rebaked = rebake(original, "FILLED = True\n", tmp_path / "rebaked.zip")

    with zipfile.ZipFile(rebaked) as archive:
        assert archive.namelist() == [
            "handler.py",
            "__pycache__/handler.cpython-312.pyc",
            "zappa_settings.py",
        ]
        assert archive.read("zappa_settings.py") == b"FILLED = True\n"
        assert archive.read("__pycache__/handler.cpython-312.pyc") == b"handler bytecode"
        assert archive.getinfo("zappa_settings.py").date_time == (1980, 1, 1, 0, 0, 0)


def test_filled_stages_hold_no_placeholder_and_the_committed_file_is_untouched() -> None:
    committed = json.loads(COMMITTED.read_text())
    stages = ["production", "production_admin"]

    filled = fill_settings(committed, PRODUCTION_OUTPUTS, stages, lambda stage, environment: LOCAL)

    assert all(PLACEHOLDER not in json.dumps(filled[stage]) for stage in stages)
    assert filled["production_admin"]["s3_bucket"] == "webhook-site-rehearsal-production-admin"
    assert filled["production"]["environment_variables"]["DATABASE_CA_BUNDLE"] == LOCAL["DATABASE_CA_BUNDLE"]
    assert committed == json.loads(COMMITTED.read_text())


def test_local_environment_points_each_function_at_the_stand_in(tmp_path: Path) -> None:
    filled = fill_settings(
        json.loads(COMMITTED.read_text()), PRODUCTION_OUTPUTS, ["production"], lambda stage, env: {}
    )
    web, admin = (filled[stage]["environment_variables"] for stage in ("production", "production_admin"))
    proxy = f"{PRODUCTION_OUTPUTS['ProxyEndpoint']}:41234/webhook_site"

    local_web = local_environment(web, 41234, tmp_path / "ca.pem", tmp_path / "var-task")
    local_admin = local_environment(admin, 41234, tmp_path / "ca.pem", tmp_path / "var-task")

    assert local_web["DATABASE_URL"] == f"mysql-iam://webhook_app@{proxy}"
    assert local_admin["DATABASE_URL"] == f"mysql-iam://webhook_admin@{proxy}"
    assert "DATABASE_MASTER_CA_BUNDLE" not in local_web  # the web function has no bootstrap to do
    assert local_admin["DATABASE_MASTER_CA_BUNDLE"] == str(tmp_path / "ca.pem")
    assert local_web["MARIADB_PLUGIN_DIR"] == str(tmp_path / "var-task" / "lambda_native" / "mariadb-plugins")
