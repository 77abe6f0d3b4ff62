"""Signing secrets at rest: encrypted under the configured keys, readable across a key rotation,
keys from the environment or Secrets Manager, and the system checks that catch a missing or weak key."""

from __future__ import annotations

import secrets
from io import StringIO
from typing import Any

import boto3
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from moto import mock_aws

from endpoints import secret_box
from endpoints.checks import secret_keys_check
from endpoints.models import EndpointRule
from endpoints.signatures import Scheme
from hits.models import Hit
from tests.endpoints.rules import make_rule

SECRET = "shopify-secret-Rq2-never-logged"


def test_a_secret_is_stored_encrypted_and_reads_back() -> None:
    token = secret_box.encrypt(SECRET)
    assert SECRET not in token
    assert secret_box.decrypt(token) == SECRET


def test_an_older_key_still_decrypts_after_a_new_one_is_put_in_front(settings: Any) -> None:
    token = secret_box.encrypt(SECRET)
    settings.ENDPOINTS_SECRET_KEYS = [secrets.token_urlsafe(48), *settings.ENDPOINTS_SECRET_KEYS]
    assert secret_box.decrypt(token) == SECRET


@pytest.mark.django_db
def test_reencrypt_moves_every_secret_to_the_newest_key(settings: Any) -> None:
    old_keys = list(settings.ENDPOINTS_SECRET_KEYS)
    make_rule("/shop", secret=SECRET, scheme=Scheme.SHOPIFY, meta_verify_token="token-4433")
    new_key = secrets.token_urlsafe(48)
    settings.ENDPOINTS_SECRET_KEYS = [new_key, *old_keys]
    out = StringIO()
    call_command("reencrypt_endpoint_secrets", stdout=out)
    assert out.getvalue() == "Re-encrypted 2 stored secrets with the newest key.\n"
    settings.ENDPOINTS_SECRET_KEYS = [new_key]
    rule = EndpointRule.objects.get()
    assert secret_box.decrypt(rule.secret_ciphertext) == SECRET
    assert rule.meta_verify_token() == "token-4433"


@pytest.mark.django_db
def test_reencrypt_with_a_missing_old_key_changes_nothing(settings: Any) -> None:
    make_rule("/shop", secret=SECRET, scheme=Scheme.SHOPIFY)
    before = EndpointRule.objects.get().secret_ciphertext
    settings.ENDPOINTS_SECRET_KEYS = [secrets.token_urlsafe(48)]
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("reencrypt_endpoint_secrets")
    assert EndpointRule.objects.get().secret_ciphertext == before


@pytest.mark.django_db
def test_a_secret_whose_key_was_removed_still_captures_and_says_why(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    make_rule("/shop", secret=SECRET, scheme=Scheme.SHOPIFY)
    settings.ENDPOINTS_SECRET_KEYS = [secrets.token_urlsafe(48)]
    response = Client().post("/shop", b"{}", content_type="application/json")
    assert response.status_code == 200
    outcome = "invalid: the rule's secret cannot be decrypted with the configured keys"
    assert Hit.objects.get().signature == outcome
    assert "cannot be decrypted" in caplog.text
    assert SECRET not in caplog.text


def test_keys_come_from_secrets_manager_once_per_process(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        material = secrets.token_urlsafe(48)
        arn = client.create_secret(Name="webhook-site-dev/endpoints/secret-keys", SecretString=material)[
            "ARN"
        ]
        settings.ENDPOINTS_SECRET_KEYS = []
        settings.ENDPOINTS_SECRET_KEYS_SECRET_ARN = arn
        token = secret_box.encrypt(SECRET)
        client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
        assert secret_box.decrypt(token) == SECRET  # read once, then cached for the process
    settings.ENDPOINTS_SECRET_KEYS = [material]
    assert secret_box.decrypt(token) == SECRET


def test_locally_nothing_configured_still_works(settings: Any) -> None:
    settings.ENDPOINTS_SECRET_KEYS = []
    settings.SECURE = False
    assert secret_box.decrypt(secret_box.encrypt(SECRET)) == SECRET
    assert secret_keys_check() == []


def test_a_secure_deployment_without_keys_fails_the_check(settings: Any) -> None:
    settings.ENDPOINTS_SECRET_KEYS = []
    settings.SECURE = True
    (error,) = secret_keys_check()
    assert error.id == "endpoints.E001"
    with pytest.raises(secret_box.SecretKeysMissing):
        secret_box.encrypt(SECRET)


def test_a_secure_deployment_with_the_secret_arn_passes_without_fetching(settings: Any) -> None:
    settings.ENDPOINTS_SECRET_KEYS = []
    settings.SECURE = True
    settings.ENDPOINTS_SECRET_KEYS_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:x"
    assert secret_keys_check() == []


def test_a_short_key_fails_the_check_without_printing_it(settings: Any) -> None:
    settings.ENDPOINTS_SECRET_KEYS = ["short-key-123"]
    (error,) = secret_keys_check()
    assert error.id == "endpoints.E002"
    assert "short-key-123" not in str(error)
    assert "is 13 characters" in error.msg


@pytest.mark.django_db
def test_keys_secrets_manager_cannot_give_still_capture_and_say_why(
    settings: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    make_rule("/shop", secret=SECRET, scheme=Scheme.SHOPIFY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.ENDPOINTS_SECRET_KEYS = []
    settings.ENDPOINTS_SECRET_KEYS_SECRET_ARN = (
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-AbCdEf"
    )
    with mock_aws():  # an account without that secret: ResourceNotFoundException
        response = Client().post("/shop", b"{}", content_type="application/json")
    assert response.status_code == 200
    assert Hit.objects.get().signature == "invalid: the keys that decrypt the rule's secret are not available"
    assert "cannot be read from arn:aws:secretsmanager" in caplog.text
