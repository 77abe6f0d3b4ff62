"""site_platform.aws: one region rule for every caller, Secrets Manager reads (moto stands in for AWS)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from moto import mock_aws

from site_platform.aws import aws_region, read_secret_json, read_secret_string
from webhook_site.secret_key import secret_key

REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")


@pytest.fixture
def no_region(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in REGION_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def secretsmanager(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="eu-west-1")


def test_aws_region_prefers_aws_region_then_the_default_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")
    monkeypatch.delenv("AWS_REGION", raising=False)
    assert aws_region() == "us-east-2"
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert aws_region() == "eu-west-1"
    assert aws_region("ap-south-1") == "ap-south-1"


def test_a_missing_region_is_one_clear_error(no_region: None) -> None:
    with pytest.raises(ImproperlyConfigured, match="AWS region not set: set AWS_REGION"):
        aws_region()


def test_the_secret_key_read_without_a_region_is_the_same_clear_error(
    no_region: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It used to reach botocore with no region and fail there (NoRegionError), unlike every other read.
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    monkeypatch.setenv("DJANGO_SECRET_KEY_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:key")
    with pytest.raises(ImproperlyConfigured, match="AWS region not set"):
        secret_key(environ_env(), secure=True)


def test_secrets_are_read_as_a_string_or_a_json_object(secretsmanager: object) -> None:
    plain = secretsmanager.create_secret(Name="key", SecretString="x" * 64)["ARN"]  # type: ignore[attr-defined]
    login = secretsmanager.create_secret(  # type: ignore[attr-defined]
        Name="login", SecretString=json.dumps({"username": "u", "password": "p"})
    )["ARN"]
    listed = secretsmanager.create_secret(Name="list", SecretString="[1, 2]")["ARN"]  # type: ignore[attr-defined]

    assert read_secret_string(plain) == "x" * 64
    assert read_secret_json(login) == {"username": "u", "password": "p"}
    with pytest.raises(ValueError, match="not a JSON object"):
        read_secret_json(listed)


def test_nothing_aws_is_imported_until_it_is_used() -> None:
    # Django set up on the default SQLite settings, as `make run` does: no botocore, no boto3.
    script = (
        "import sys, django; django.setup(); import site_platform.aws;"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore'));"
        "print(loaded)"
    )
    environment = {name: value for name, value in os.environ.items() if not name.startswith("DATABASE_")}
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        env={**environment, "DJANGO_SETTINGS_MODULE": "webhook_site.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"


def environ_env() -> object:
    import environ

    return environ.Env()
