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
from infra.fill_zappa_settings import REQUIRED_OUTPUTS
from tests.infra.conftest import REPO_ROOT, ZAPPA_SETTINGS_PATH

SCRIPT = REPO_ROOT / "infra" / "fill_zappa_settings.py"
PLACEHOLDER = "FILL-FROM-STACK"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
SECRETS = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret"
OUTPUTS = {
    "Region": REGION,
    "AccountId": ACCOUNT,
    "ProxyEndpoint": "webhook-site-dev.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com",
    "ProxyResourceId": "prx-0123456789abcdef0",
    "DatabaseEndpoint": "webhook-site-dev-database-1.abcdefghijkl.eu-west-1.rds.amazonaws.com",
    "DatabaseName": "webhook_site",
    "AppUserName": "webhook_app",
    "AdminUserName": "webhook_admin",
    "AppUserSecretArn": f"{SECRETS}:webhook-site-dev/db/webhook_app-a1B2c3",
    "AdminUserSecretArn": f"{SECRETS}:webhook-site-dev/db/webhook_admin-d4E5f6",
    "MasterUserSecretArn": f"{SECRETS}:rds!db-0a1b2c3d-g7H8i9",
    "DjangoSecretKeyArn": f"{SECRETS}:webhook-site-dev/django/secret-key-j1K2l3",
    "DjangoSuperuserSecretArn": f"{SECRETS}:webhook-site-dev/django/superuser-m4N5o6",
    "SubnetIds": "subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb",
    "LambdaSecurityGroupId": "sg-0cccccccccccccccc",
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
    completed = run_script(settings_path, stage, describe_stacks_response(OUTPUTS))
    assert completed.returncode == 0, completed.stderr
    return json.loads(settings_path.read_text())


def test_committed_settings_hold_placeholders_in_both_stages():
    settings = json.loads(ZAPPA_SETTINGS_PATH.read_text())

    assert PLACEHOLDER in json.dumps(settings["dev"])
    assert PLACEHOLDER in json.dumps(settings["production"])


def test_filled_stage_has_no_placeholder_left(settings_path):
    assert PLACEHOLDER not in json.dumps(filled(settings_path, "production")["production"])


def test_database_urls_name_the_proxy_and_no_password(settings_path):
    environment = filled(settings_path)["dev"]["environment_variables"]

    assert environment["DATABASE_URL"] == (
        "mysql-iam://webhook_app@webhook-site-dev.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com:3306/webhook_site"
    )
    assert environment["DATABASE_ADMIN_URL"].startswith("mysql-iam://webhook_admin@webhook-site-dev.proxy-")


def test_vpc_config_takes_the_private_subnets_and_lambda_group(settings_path):
    assert filled(settings_path)["dev"]["vpc_config"] == {
        "SubnetIds": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
        "SecurityGroupIds": ["sg-0cccccccccccccccc"],
    }


def test_rds_db_connect_is_scoped_to_the_proxy_and_both_users(settings_path):
    connect = filled(settings_path)["dev"]["extra_permissions"][0]

    assert connect["Action"] == ["rds-db:connect"]
    assert connect["Resource"] == [
        f"arn:aws:rds-db:{REGION}:{ACCOUNT}:dbuser:prx-0123456789abcdef0/webhook_app",
        f"arn:aws:rds-db:{REGION}:{ACCOUNT}:dbuser:prx-0123456789abcdef0/webhook_admin",
    ]


def test_standing_secret_access_is_the_django_key_only(settings_path):
    permissions = filled(settings_path)["dev"]["extra_permissions"]
    secret_reads = [p["Resource"] for p in permissions if "secretsmanager:GetSecretValue" in p["Action"]]

    assert secret_reads == [[OUTPUTS["DjangoSecretKeyArn"]]]


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
    for name in ("HITS_REQUIRE_LOGIN", "DJANGO_SECURE", "LOG_LEVEL", "DATABASE_CONN_MAX_AGE"):
        assert after["dev"]["environment_variables"][name] == before["dev"]["environment_variables"][name]


def test_missing_output_fails_and_leaves_the_file_alone(settings_path):
    before = settings_path.read_text()
    incomplete = {key: value for key, value in OUTPUTS.items() if key != "ProxyResourceId"}

    completed = run_script(settings_path, "dev", describe_stacks_response(incomplete))

    assert completed.returncode == 1
    assert "ProxyResourceId" in completed.stderr
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
    assert json.loads(settings_path.read_text())["dev"]["vpc_config"]["SecurityGroupIds"] == [
        "sg-0cccccccccccccccc"
    ]


def test_fixture_outputs_match_what_the_script_requires():
    assert set(OUTPUTS) == set(REQUIRED_OUTPUTS)
