"""infra/fill_zappa_settings.py: stack outputs in, one filled stage of zappa_settings.json out."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from infra import fill_zappa_settings
from infra.fill_zappa_settings import ADMIN_ONLY_VARIABLES, REQUIRED_OUTPUTS
from tests.infra.conftest import REPO_ROOT, ZAPPA_SETTINGS_PATH

SCRIPT = REPO_ROOT / "infra" / "fill_zappa_settings.py"
PLACEHOLDER = "FILL-FROM-STACK"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
SECRETS = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret"
OUTPUTS = {
    "Region": REGION,
    "ProxyEndpoint": "webhook-site-dev.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com",
    "DatabaseEndpoint": "webhook-site-dev-database-1.abcdefghijkl.eu-west-1.rds.amazonaws.com",
    "DatabaseName": "webhook_site",
    "AppUserName": "webhook_app",
    "AdminUserName": "webhook_admin",
    "AppUserSecretArn": f"{SECRETS}:webhook-site-dev/db/webhook_app-a1B2c3",
    "AdminUserSecretArn": f"{SECRETS}:webhook-site-dev/db/webhook_admin-d4E5f6",
    "MasterUserSecretArn": f"{SECRETS}:rds!db-0a1b2c3d-g7H8i9",
    "DjangoSecretKeyArn": f"{SECRETS}:webhook-site-dev/django/secret-key-j1K2l3",
    "EndpointSecretKeysArn": f"{SECRETS}:webhook-site-dev/endpoints/secret-keys-p7Q8r9",
    "DjangoSuperuserSecretArn": f"{SECRETS}:webhook-site-dev/django/superuser-m4N5o6",
    "SubnetIds": "subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb",
    "WebFunctionName": "webhook-site-dev",
    "AdminFunctionName": "webhook-site-dev-admin",
    "WebSecurityGroupId": "sg-0cccccccccccccccc",
    "AdminSecurityGroupId": "sg-0dddddddddddddddd",
    "WebFunctionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/webhook-site-dev-WebFunctionRole-AbC",
    "AdminFunctionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/webhook-site-dev-AdminFunctionRole-DeF",
}
PRODUCTION_OUTPUTS = {
    **OUTPUTS,
    "WebFunctionName": "webhook-site-production",
    "AdminFunctionName": "webhook-site-production-admin",
}


def describe_stacks_response(outputs: dict[str, str]) -> dict[str, Any]:
    """The shape `aws cloudformation describe-stacks --stack-name X` prints."""
    return {
        "Stacks": [
            {
                "StackName": "webhook-site-dev",
                "StackStatus": "CREATE_COMPLETE",
                "Outputs": [{"OutputKey": key, "OutputValue": value} for key, value in outputs.items()],
            }
        ]
    }


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    path = tmp_path / "zappa_settings.json"
    shutil.copy(ZAPPA_SETTINGS_PATH, path)
    return path


def run_script(settings_path: Path, stage: str, response: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script
        [sys.executable, SCRIPT, stage, "--describe-stacks-json", "-", "--settings", settings_path],
        input=json.dumps(response),
        capture_output=True,
        text=True,
        check=False,
    )


def filled(settings_path: Path, stage: str = "dev") -> dict[str, Any]:
    outputs = PRODUCTION_OUTPUTS if stage.startswith("production") else OUTPUTS
    completed = run_script(settings_path, stage, describe_stacks_response(outputs))
    assert completed.returncode == 0, completed.stderr
    return json.loads(settings_path.read_text())


def test_committed_settings_hold_placeholders_in_every_stage():
    settings = json.loads(ZAPPA_SETTINGS_PATH.read_text())

    assert set(settings) == {"dev", "dev_admin", "production", "production_admin"}
    assert all(PLACEHOLDER in json.dumps(stage) for stage in settings.values())


def test_a_web_stage_fills_its_admin_stage_too_and_no_placeholder_is_left(settings_path):
    settings = filled(settings_path, "production")

    assert PLACEHOLDER not in json.dumps(settings["production"])
    assert PLACEHOLDER not in json.dumps(settings["production_admin"])


def test_naming_the_admin_stage_fills_the_same_pair(settings_path):
    by_admin = filled(settings_path, "production_admin")
    shutil.copy(ZAPPA_SETTINGS_PATH, settings_path)

    assert filled(settings_path, "production") == by_admin


def test_the_web_stage_connects_as_the_app_user_and_the_admin_stage_as_the_admin(settings_path):
    settings = filled(settings_path)
    proxy = "webhook-site-dev.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com:3306/webhook_site"

    assert settings["dev"]["environment_variables"]["DATABASE_URL"] == f"mysql-iam://webhook_app@{proxy}"
    assert (
        settings["dev_admin"]["environment_variables"]["DATABASE_URL"] == f"mysql-iam://webhook_admin@{proxy}"
    )


def test_the_web_stage_carries_no_admin_login_and_no_bootstrap_secret(settings_path):
    web = filled(settings_path)["dev"]["environment_variables"]
    admin = filled(settings_path)["dev_admin"]["environment_variables"]

    assert set(ADMIN_ONLY_VARIABLES) & set(web) == set()
    assert web["SCHEMA_ADMIN_STAGE"] == "dev_admin"
    assert web["DJANGO_SECRET_KEY_SECRET_ARN"] == OUTPUTS["DjangoSecretKeyArn"]
    assert web["ENDPOINTS_SECRET_KEYS_SECRET_ARN"] == OUTPUTS["EndpointSecretKeysArn"]
    assert admin["RDS_MASTER_SECRET_ARN"] == OUTPUTS["MasterUserSecretArn"]
    assert admin["DJANGO_SUPERUSER_SECRET_ARN"] == OUTPUTS["DjangoSuperuserSecretArn"]
    assert admin["DATABASE_READ_TIMEOUT_SECONDS"] == "0"  # kept from the committed stage


def test_each_function_gets_its_own_role_and_security_group(settings_path):
    settings = filled(settings_path)
    subnets = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]

    assert settings["dev"]["role_arn"] == OUTPUTS["WebFunctionRoleArn"]
    assert settings["dev_admin"]["role_arn"] == OUTPUTS["AdminFunctionRoleArn"]
    assert settings["dev"]["vpc_config"] == {
        "SubnetIds": subnets,
        "SecurityGroupIds": ["sg-0cccccccccccccccc"],
    }
    assert settings["dev_admin"]["vpc_config"] == {
        "SubnetIds": subnets,
        "SecurityGroupIds": ["sg-0dddddddddddddddd"],
    }


def test_what_an_older_filled_file_granted_the_web_stage_is_removed(settings_path):
    older = json.loads(settings_path.read_text())
    older["dev"]["environment_variables"]["DATABASE_ADMIN_URL"] = "mysql-iam://webhook_admin@old:3306/x"
    older["dev"]["environment_variables"]["RDS_MASTER_SECRET_ARN"] = "arn:old"
    older["dev"]["extra_permissions"] = [{"Effect": "Allow", "Action": "rds-db:connect", "Resource": "*"}]
    settings_path.write_text(json.dumps(older))

    web = filled(settings_path)["dev"]

    assert "extra_permissions" not in web
    assert set(ADMIN_ONLY_VARIABLES) & set(web["environment_variables"]) == set()


def test_a_stack_made_for_another_stage_is_refused(settings_path):
    completed = run_script(settings_path, "production", describe_stacks_response(OUTPUTS))

    assert completed.returncode == 1
    assert "deploys webhook-site-production, but the stack's web role is for webhook-site-dev" in (
        completed.stderr
    )


def test_region_follows_the_stack(settings_path):
    stage = filled(settings_path)["dev"]

    assert stage["aws_region"] == REGION
    assert stage["environment_variables"]["DJANGO_ALLOWED_HOSTS"] == (
        ".execute-api.eu-west-1.amazonaws.com,.lambda-url.eu-west-1.on.aws"
    )


def test_hand_set_variables_and_other_stages_are_kept(settings_path):
    before = json.loads(settings_path.read_text())
    after = filled(settings_path, "dev")

    assert after["production"] == before["production"]
    assert after["production_admin"] == before["production_admin"]
    for name in ("HITS_REQUIRE_LOGIN", "DJANGO_SECURE", "LOG_LEVEL", "DATABASE_CONN_MAX_AGE"):
        assert after["dev"]["environment_variables"][name] == before["dev"]["environment_variables"][name]


def test_missing_output_fails_and_leaves_the_file_alone(settings_path):
    before = settings_path.read_text()
    incomplete = {key: value for key, value in OUTPUTS.items() if key != "AdminFunctionRoleArn"}

    completed = run_script(settings_path, "dev", describe_stacks_response(incomplete))

    assert completed.returncode == 1
    assert "AdminFunctionRoleArn" in completed.stderr
    assert settings_path.read_text() == before


def test_unknown_stage_fails(settings_path):
    completed = run_script(settings_path, "staging", describe_stacks_response(OUTPUTS))

    assert completed.returncode == 1
    assert "'staging' is not in zappa_settings.json" in completed.stderr


def test_reads_the_outputs_from_cloudformation_itself(settings_path, monkeypatch):
    # botocore's Stubber checks both the request and our canned response against the real
    # describe-stacks model, so the fixture above has the shape AWS returns. (moto would need its
    # cloudformation extra, two dozen more packages, to serve the same call.)
    client = boto3.client(
        "cloudformation", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    stubber = Stubber(client)
    stubber.add_response(
        "describe_stacks",
        {"Stacks": [{**describe_stacks_response(OUTPUTS)["Stacks"][0], "CreationTime": datetime.now(UTC)}]},
        {"StackName": "webhook-site-dev"},
    )
    monkeypatch.setattr(fill_zappa_settings, "cloudformation_client", lambda region: client)

    with stubber:
        status = fill_zappa_settings.main(["dev", "--settings", str(settings_path)])

    assert status == 0
    stubber.assert_no_pending_responses()
    assert json.loads(settings_path.read_text())["dev_admin"]["role_arn"] == OUTPUTS["AdminFunctionRoleArn"]


def test_fixture_outputs_match_what_the_script_requires():
    assert set(OUTPUTS) == set(REQUIRED_OUTPUTS)
