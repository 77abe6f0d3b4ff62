"""Production settings: `check --deploy` is clean, the secret key comes from Secrets Manager."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import boto3
import environ
import pytest
from django.core.exceptions import ImproperlyConfigured
from moto import mock_aws

from webhook_site.secret_key import INSECURE_LOCAL_KEY, secret_key

REPO = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_check_deploy_with_no_warnings() -> None:
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECURE="true",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ENDPOINTS_SECRET_KEYS=secrets.token_urlsafe(48),
        DJANGO_ALLOWED_HOSTS=".execute-api.eu-west-1.amazonaws.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_without_endpoint_keys_fail_the_check() -> None:
    result = run_manage(
        "check",
        DJANGO_SECURE="true",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=".execute-api.eu-west-1.amazonaws.com",
    )
    assert result.returncode != 0
    assert "endpoints.E001" in result.stdout + result.stderr


def test_local_defaults_are_flagged_by_check_deploy() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


def test_secure_mode_refuses_to_start_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    monkeypatch.delenv("DJANGO_SECRET_KEY_SECRET_ARN", raising=False)
    assert secret_key(environ.Env(), secure=False) == INSECURE_LOCAL_KEY
    with pytest.raises(ImproperlyConfigured, match="no secret key"):
        secret_key(environ.Env(), secure=True)


@mock_aws
def test_secret_key_is_read_from_secrets_manager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    key = secrets.token_urlsafe(50)
    arn = boto3.client("secretsmanager", region_name="eu-west-1").create_secret(
        Name="django-key", SecretString=key
    )["ARN"]
    monkeypatch.setenv("DJANGO_SECRET_KEY_SECRET_ARN", arn)
    assert secret_key(environ.Env(), secure=True) == key


@pytest.mark.parametrize(
    "weak_key",
    ["short-but-set", "django-insecure-" + "x" * 60, "ab" * 40],  # too short, Django's default, 2 characters
)
def test_secure_mode_refuses_a_weak_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, weak_key: str
) -> None:
    monkeypatch.setenv("DJANGO_SECRET_KEY", weak_key)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY is not a strong key") as refused:
        secret_key(environ.Env(), secure=True)
    assert weak_key not in str(refused.value)
    # A developer's machine may use any key.
    assert secret_key(environ.Env(), secure=False) == weak_key


@mock_aws
def test_secure_mode_refuses_a_short_key_from_secrets_manager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    arn = boto3.client("secretsmanager", region_name="eu-west-1").create_secret(
        Name="short-django-key", SecretString="too-short"
    )["ARN"]
    monkeypatch.setenv("DJANGO_SECRET_KEY_SECRET_ARN", arn)
    with pytest.raises(ImproperlyConfigured, match="not a strong key"):
        secret_key(environ.Env(), secure=True)
