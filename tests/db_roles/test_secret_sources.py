"""Credentials that come from Secrets Manager (moto stands in for AWS)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from moto import mock_aws

from db_roles.credentials import master_connection_params, role_login
from webhook_site import lambda_tasks


@pytest.fixture
def secretsmanager(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("DATABASE_MASTER_URL", "DATABASE_APP_PASSWORD", "DATABASE_ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="eu-west-1")


def make_secret(client: object, name: str, value: dict[str, str]) -> str:
    return client.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]  # type: ignore[attr-defined]


def test_role_password_comes_from_the_proxys_secret(
    secretsmanager: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = make_secret(secretsmanager, "app", {"username": "webhook_app", "password": "from-secret"})
    monkeypatch.setenv("DATABASE_APP_SECRET_ARN", arn)
    login = role_login("webhook_app", "DATABASE_APP_SECRET_ARN", "DATABASE_APP_PASSWORD")

    assert login == ("webhook_app", "from-secret")


def test_where_no_url_names_the_user_the_secret_does(
    secretsmanager: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The admin stage connects as the admin user; the app user is whoever the proxy's secret names.
    arn = make_secret(secretsmanager, "app", {"username": "webhook_app", "password": "from-secret"})
    monkeypatch.setenv("DATABASE_APP_SECRET_ARN", arn)

    login = role_login(None, "DATABASE_APP_SECRET_ARN", "DATABASE_APP_PASSWORD")

    assert login == ("webhook_app", "from-secret")


def test_a_password_from_the_environment_needs_a_url_naming_its_user(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_APP_PASSWORD", "local")

    with pytest.raises(ImproperlyConfigured, match="no database URL names its user"):
        role_login(None, "DATABASE_APP_SECRET_ARN", "DATABASE_APP_PASSWORD")


def test_a_secret_for_another_user_is_refused(
    secretsmanager: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = make_secret(secretsmanager, "app", {"username": "someone_else", "password": "x"})
    monkeypatch.setenv("DATABASE_APP_SECRET_ARN", arn)
    with pytest.raises(ImproperlyConfigured, match="not 'webhook_app'"):
        role_login("webhook_app", "DATABASE_APP_SECRET_ARN", "DATABASE_APP_PASSWORD")


def test_master_login_uses_the_rds_secret_with_verified_tls(
    secretsmanager: object, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    arn = make_secret(secretsmanager, "rds-master", {"username": "master", "password": "m"})
    bundle = tmp_path / "rds-global-bundle.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("RDS_MASTER_SECRET_ARN", arn)
    monkeypatch.setenv("RDS_INSTANCE_HOST", "db.abc.eu-west-1.rds.amazonaws.com")
    monkeypatch.setenv("DATABASE_MASTER_CA_BUNDLE", str(bundle))
    params = master_connection_params()
    assert params["host"] == "db.abc.eu-west-1.rds.amazonaws.com"
    assert params["port"] == 3306
    assert (params["user"], params["password"]) == ("master", "m")
    assert params["ssl_mode"] == "VERIFY_IDENTITY"
    assert params["ssl"] == {"ca": str(bundle)}


def test_master_login_without_the_ca_bundle_is_a_clear_error(
    secretsmanager: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = make_secret(secretsmanager, "rds-master", {"username": "master", "password": "m"})
    monkeypatch.setenv("RDS_MASTER_SECRET_ARN", arn)
    monkeypatch.setenv("RDS_INSTANCE_HOST", "db.example")
    monkeypatch.setenv("DATABASE_MASTER_CA_BUNDLE", "/nonexistent/bundle.pem")
    with pytest.raises(ImproperlyConfigured, match="no file at"):
        master_connection_params()


@pytest.mark.django_db
def test_create_superuser_task_reads_the_secret_and_returns_no_password(
    secretsmanager: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = make_secret(
        secretsmanager,
        "superuser",
        {"username": "ops", "email": "ops@example.com", "password": "Str0ng-pass!"},
    )
    monkeypatch.setenv("DJANGO_SUPERUSER_SECRET_ARN", arn)
    event = {"command": "webhook_site.lambda_tasks.create_superuser"}
    assert lambda_tasks.create_superuser(event, None) == {"created": True, "username": "ops"}
    assert get_user_model().objects.get(username="ops").check_password("Str0ng-pass!")
    again = lambda_tasks.create_superuser(event, None)
    assert again["created"] is False
    assert "Str0ng-pass!" not in str(again)
