"""Zappa's own role step for prebuilt zips (deploy/update -z skip it), against moto's IAM."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from lambda_artifact.build import REPO_ROOT
from lambda_artifact.execution_role import ensure_execution_role

ROLE = "webhook-site-production-ZappaLambdaExecutionRole"


@pytest.fixture
def iam(monkeypatch) -> Iterator[object]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield boto3.client("iam", region_name="us-east-1")


def stage_permissions(stage: str) -> list[dict]:
    settings = json.loads((REPO_ROOT / "zappa_settings.json").read_text())
    return settings[stage]["extra_permissions"]


def test_creates_the_role_with_the_stage_extra_permissions(iam):
    role_arn, changed = ensure_execution_role("production")

    policy = iam.get_role_policy(RoleName=ROLE, PolicyName="zappa-permissions")["PolicyDocument"]
    assert role_arn.endswith(f":role/{ROLE}")
    assert changed is True
    for permission in stage_permissions("production"):
        assert permission in policy["Statement"]


def test_second_run_changes_nothing(iam):
    ensure_execution_role("production")

    assert ensure_execution_role("production")[1] is False
