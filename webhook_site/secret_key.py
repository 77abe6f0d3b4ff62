"""Django's SECRET_KEY: from DJANGO_SECRET_KEY, or from the Secrets Manager secret the stack generated.

On Lambda the key lives in Secrets Manager (DJANGO_SECRET_KEY_SECRET_ARN, a plain-string secret the
stack generates), never in zappa_settings.json; it is read once per cold start, because settings
need it before the first request. Locally an obviously insecure key is the default, and a secure
deployment refuses to start with it.
"""

from __future__ import annotations

import os

import environ
from django.core.exceptions import ImproperlyConfigured

INSECURE_LOCAL_KEY = "django-insecure-local-development-only-key"


def secret_key(env: environ.Env, secure: bool) -> str:
    if os.environ.get("DJANGO_SECRET_KEY"):
        return env.str("DJANGO_SECRET_KEY")
    if os.environ.get("DJANGO_SECRET_KEY_SECRET_ARN"):
        return read_secret_string(os.environ["DJANGO_SECRET_KEY_SECRET_ARN"])
    if secure:
        raise ImproperlyConfigured(
            "DJANGO_SECURE is on but no secret key is set: set DJANGO_SECRET_KEY_SECRET_ARN (Lambda) "
            "or DJANGO_SECRET_KEY"
        )
    return INSECURE_LOCAL_KEY


def read_secret_string(secret_arn: str) -> str:
    import boto3  # only secure deployments pay for importing boto3 here

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    client = boto3.session.Session().client("secretsmanager", region_name=region)
    value = client.get_secret_value(SecretId=secret_arn)["SecretString"]
    if len(value) < 50:
        raise ImproperlyConfigured(f"the secret key in {secret_arn} is too short ({len(value)} characters)")
    return str(value)
