"""A stage's expectations come from its settings alone, whatever folder the rehearsal runs in."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from zappa.cli import ZappaCLI

from deploy_rehearsal.expectations import StageExpectations
from lambda_artifact.build import REPO_ROOT

SETTINGS = REPO_ROOT / "zappa_settings.json"


@pytest.fixture
def folder_with_an_unpacked_zip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory below which lies a module importing zappa.websocket, as Zappa's handler.py does."""
    (tmp_path / "unpacked").mkdir()
    (tmp_path / "unpacked" / "handler.py").write_text("from zappa.websocket import WebSocketHandler\n")
    monkeypatch.chdir(tmp_path)
    # The control below asks STS for the account once it thinks WebSockets are on: nowhere to go.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    return tmp_path


def test_zappa_turns_websockets_on_for_a_zip_unpacked_below_the_working_directory(
    folder_with_an_unpacked_zip: Path,
) -> None:
    # The hazard itself (zappa 0.63, cli._detect_websocket_usage), with Zappa's own loader.
    cli = ZappaCLI()
    cli.api_stage = "production"
    cli.load_settings(str(SETTINGS), session=boto3.session.Session(region_name="us-east-1"))

    assert cli.use_websocket == "unpacked.handler"


def test_expectations_ignore_the_working_directory(folder_with_an_unpacked_zip: Path) -> None:
    expected = StageExpectations.from_settings(SETTINGS, "production")

    assert expected.websocket is False
    assert expected.touch_path == "/_/health"
    assert expected.keep_warm_expression is None  # production runs SnapStart instead (docs/deploy.md §8a)


def test_the_admin_stage_is_expected_without_api_warmer_or_snapshot(
    folder_with_an_unpacked_zip: Path,
) -> None:
    web = StageExpectations.from_settings(SETTINGS, "production")
    admin = StageExpectations.from_settings(SETTINGS, "production_admin")

    assert (web.kind, web.database_user) == ("Web", "webhook_app")
    assert (admin.kind, admin.database_user) == ("Admin", "webhook_admin")
    assert (admin.api_gateway, admin.touch_path, admin.keep_warm_expression) == (False, None, None)
    assert admin.snap_start == "None"
    assert admin.lambda_qualifier is None
