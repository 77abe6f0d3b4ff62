"""zappa_settings.json against zappa 0.63 itself: key names it reads, and the settings module it writes."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import zappa.cli
import zappa.core
from moto import mock_aws

from infra.fill_zappa_settings import ADMIN_ONLY_VARIABLES
from infra.template_resolver import TemplateResolver
from tests.infra.conftest import REPO_ROOT
from tests.template_stack import template_resolver

WEB_STAGES = ("dev", "production")
ADMIN_STAGES = ("dev_admin", "production_admin")
STAGES = WEB_STAGES + ADMIN_STAGES
# API Gateway's default integration timeout (REST APIs): it answers 504 after 29 s.
API_GATEWAY_TIMEOUT_SECONDS = 29
# Lambda's longest function timeout.
LAMBDA_MAX_TIMEOUT_SECONDS = 900
# The zappa console script next to the interpreter running the tests (.venv/bin/zappa).
ZAPPA_EXECUTABLE = Path(sys.executable).parent / "zappa"


def _resolved_stage(settings: dict[str, Any], stage: str) -> dict[str, Any]:
    """The stage as Zappa sees it: "extends" merges the parent's keys shallowly, the child winning."""
    parent = settings[stage].get("extends")
    return {**(_resolved_stage(settings, parent) if parent else {}), **settings[stage]}


def _keys_zappa_reads() -> set[str]:
    source = Path(zappa.cli.__file__).read_text()
    keys = set(re.findall(r'stage_config\.get\(\s*"(\w+)"', source))
    keys |= set(re.findall(r'stage_config\[\s*"(\w+)"\s*\]', source))
    return keys | set(zappa.cli.CUSTOM_SETTINGS) | {"extends"}


@pytest.mark.parametrize("stage", STAGES)
def test_every_key_is_one_zappa_reads(zappa_settings, stage):
    # A misspelt key (e.g. "reserved_concurrency" for lambda_concurrency) is silently ignored.
    assert set(zappa_settings[stage]) - _keys_zappa_reads() == set()


@pytest.mark.parametrize("stage", STAGES)
def test_save_python_settings_file_works_without_aws(stage, tmp_path):
    output = tmp_path / "zappa_settings.py"

    completed = subprocess.run(  # noqa: S603 - the installed zappa CLI
        [ZAPPA_EXECUTABLE, "save-python-settings-file", stage, "--output_path", output],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    generated = runpy.run_path(str(output))
    user = "webhook_admin" if stage in ADMIN_STAGES else "webhook_app"
    assert generated["API_STAGE"] == stage
    assert generated["DJANGO_SETTINGS"] == "webhook_site.settings"
    assert generated["ENVIRONMENT_VARIABLES"]["DATABASE_URL"].startswith(f"mysql-iam://{user}@")
    assert generated["DEBUG"] is False
    # Zappa's handler reads S3 only for these (remote_env, slim_handler): the VPC needs no S3 endpoint.
    assert not {"REMOTE_ENV", "ARCHIVE_PATH", "SLIM_HANDLER"} & set(generated)


@pytest.mark.parametrize("stage", STAGES)
def test_environment_holds_no_secret_values(zappa_settings, stage):
    environment = _resolved_stage(zappa_settings, stage)["environment_variables"]
    secretive = [name for name in environment if re.search("SECRET|PASSWORD|TOKEN", name)]

    assert secretive
    assert all(name.endswith("_ARN") for name in secretive)
    assert all(":" not in url.split("@")[0].split("//")[1] for url in _database_urls(environment))


def _database_urls(environment: dict[str, str]) -> list[str]:
    return [value for name, value in environment.items() if name.startswith("DATABASE_") and "://" in value]


@pytest.mark.parametrize("stage", STAGES)
def test_stage_runs_python_3_12_in_the_vpc(zappa_settings, stage):
    resolved = _resolved_stage(zappa_settings, stage)

    assert resolved["runtime"] == "python3.12"
    assert set(resolved["vpc_config"]) == {"SubnetIds", "SecurityGroupIds"}


@pytest.mark.parametrize("stage", STAGES)
def test_reserved_concurrency_is_set(zappa_settings, stage):
    assert isinstance(_resolved_stage(zappa_settings, stage)["lambda_concurrency"], int)


@pytest.mark.parametrize("stage", STAGES)
def test_package_leaves_out_tests_tooling_and_infra(zappa_settings, stage):
    resolved = _resolved_stage(zappa_settings, stage)

    assert {"tests", "bench", "infra", "docs"} <= set(resolved["exclude_glob"])
    assert {".venv", ".venv-tools"} <= set(resolved["exclude"])


def stage_as_zappa_loads_it(stage: str, monkeypatch: pytest.MonkeyPatch) -> zappa.cli.ZappaCLI:
    """ZappaCLI after load_settings (it builds AWS clients, so under moto; nothing is called)."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    cli = zappa.cli.ZappaCLI()
    cli.api_stage = stage
    with mock_aws():
        cli.load_settings(settings_file=str(REPO_ROOT / "zappa_settings.json"))
    return cli


def test_production_traffic_reaches_the_snapstart_alias(monkeypatch):
    # SnapStart snapshots only published versions; API Gateway must invoke Zappa's "snapstart" alias,
    # which zappa 0.63 repoints at each new version once its snapshot is ready, never $LATEST.
    production = stage_as_zappa_loads_it("production", monkeypatch)

    assert production.snap_start == "PublishedVersions"
    assert production.apigateway_lambda_qualifier == zappa.core.SNAPSTART_LAMBDA_ALIAS == "snapstart"


def test_dev_stage_invokes_latest_without_snapstart(monkeypatch):
    dev = stage_as_zappa_loads_it("dev", monkeypatch)

    assert dev.snap_start == "None"
    assert dev.apigateway_lambda_qualifier is None


def test_production_has_no_keep_warm_pings_they_would_warm_latest_not_the_alias(zappa_settings):
    # Zappa schedules keep_warm on the unqualified function ARN ($LATEST), which API Gateway no longer
    # invokes under SnapStart; the pings would cost invocations and warm nothing that serves requests.
    assert _resolved_stage(zappa_settings, "production")["keep_warm"] is False
    assert _resolved_stage(zappa_settings, "dev")["keep_warm"] is True


def test_production_builds_the_app_during_init_so_the_snapshot_holds_it(zappa_settings):
    # zappa/handler.py builds LambdaHandler at import only with this variable in the function's own
    # configuration (it is read before the stage's environment_variables are exported); otherwise
    # Django is set up at the first invocation, after SnapStart's snapshot (see test_snapstart.py).
    production = _resolved_stage(zappa_settings, "production")
    assert production["aws_environment_variables"] == {"INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT": "true"}


@pytest.mark.parametrize("stage", WEB_STAGES)
def test_a_web_stage_carries_no_admin_login_and_names_its_admin_stage(zappa_settings, stage):
    environment = _resolved_stage(zappa_settings, stage)["environment_variables"]

    assert set(ADMIN_ONLY_VARIABLES) & set(environment) == set()
    assert environment["SCHEMA_ADMIN_STAGE"] in ADMIN_STAGES
    assert _resolved_stage(zappa_settings, environment["SCHEMA_ADMIN_STAGE"])["extends"] == stage


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_runs_with_the_stacks_role_not_one_zappa_makes(zappa_settings, stage):
    resolved = _resolved_stage(zappa_settings, stage)

    assert resolved["manage_roles"] is False
    assert resolved["role_arn"].startswith("arn:aws:iam::")
    assert not {"extra_permissions", "attach_policy"} & set(resolved)


@pytest.mark.parametrize("stage", WEB_STAGES)
def test_a_web_function_ends_before_api_gateway_gives_up(zappa_settings, stage):
    assert _resolved_stage(zappa_settings, stage)["timeout_seconds"] < API_GATEWAY_TIMEOUT_SECONDS


@pytest.mark.parametrize("stage", ADMIN_STAGES)
def test_an_admin_stage_has_no_api_no_warmer_no_snapshot_and_time_for_ddl(monkeypatch, stage):
    admin = stage_as_zappa_loads_it(stage, monkeypatch)

    assert admin.use_apigateway is False
    assert admin.stage_config["keep_warm"] is False
    assert admin.snap_start == "None"
    assert admin.timeout_seconds == LAMBDA_MAX_TIMEOUT_SECONDS
    assert admin.lambda_concurrency == 1  # one schema change at a time
    assert admin.environment_variables["DATABASE_READ_TIMEOUT_SECONDS"] == "0"
    assert admin.aws_environment_variables == {}  # not production's INSTANTIATE_... (no snapshot)


@pytest.mark.parametrize(
    ("stage", "output"),
    [
        ("production", "WebFunctionName"),
        ("production_admin", "AdminFunctionName"),
    ],
)
def test_the_stacks_roles_are_for_the_functions_zappa_names(monkeypatch, stage, output):
    # The roles may write only these functions' log groups (infra/webhook-site.yaml, Stage).
    resolver: TemplateResolver = template_resolver("us-east-1")

    named = resolver.resolve(resolver.template["Outputs"][output]["Value"])

    assert stage_as_zappa_loads_it(stage, monkeypatch).lambda_name == named
