"""Read database credentials from AWS Secrets Manager, only where a command truly needs them."""

from __future__ import annotations

import json
from typing import Any

import boto3

from webhook_site.db.iam_auth import aws_region


def read_secret(secret_arn: str) -> dict[str, Any]:
    """A JSON secret (RDS and our stack store {"username": ..., "password": ...})."""
    client = boto3.session.Session().client("secretsmanager", region_name=aws_region())
    value = client.get_secret_value(SecretId=secret_arn)["SecretString"]
    secret = json.loads(value)
    if not isinstance(secret, dict):
        raise ValueError(f"secret {secret_arn} is not a JSON object")
    return secret
