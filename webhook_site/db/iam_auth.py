"""IAM auth tokens for RDS Proxy: minted locally with boto3, one per new database connection.

A token is a SigV4-presigned URL valid for 15 minutes and is checked only at login, so minting one
per physical connect is right, and one minted at import time would break every connection made
15 minutes later. Minting is pure local signing (no network call): about a millisecond.
"""

from __future__ import annotations

import functools
import os
import threading
from typing import Any

import boto3
from botocore.exceptions import NoCredentialsError
from django.core.exceptions import ImproperlyConfigured

REGION_ENVIRONMENT_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")


class TokenCounter:
    """How many tokens this process minted (logged, and asserted by tests)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def increment(self) -> None:
        with self._lock:
            self.count += 1


tokens_minted = TokenCounter()


def aws_region(configured: str | None = None) -> str:
    """The region to sign for: the configured one, else AWS_REGION (Lambda sets it) or AWS_DEFAULT_REGION."""
    region = configured or next(
        (os.environ[name] for name in REGION_ENVIRONMENT_VARIABLES if os.environ.get(name)), None
    )
    if not region:
        raise ImproperlyConfigured(
            "AWS region not set for IAM database auth: set AWS_REGION (Lambda sets it for you) "
            "or add ?aws_region=<region> to DATABASE_URL"
        )
    return region


@functools.cache
def rds_client(region: str) -> Any:
    """One boto3 RDS client per region and process: creating one costs tens of milliseconds."""
    return boto3.session.Session().client("rds", region_name=region)


def mint_auth_token(host: str, port: int, user: str, region: str) -> str:
    """A fresh token for ``user`` at exactly the ``host:port`` the driver will connect to."""
    try:
        token = rds_client(region).generate_db_auth_token(
            DBHostname=host, Port=port, DBUsername=user, Region=region
        )
    except NoCredentialsError as error:
        raise ImproperlyConfigured(
            "no AWS credentials to sign the database auth token: on Lambda the function's role "
            "provides them; locally set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE"
        ) from error
    tokens_minted.increment()
    return str(token)
