"""IAM auth tokens for RDS Proxy: signed locally with botocore, one per new database connection.

A token is a SigV4-presigned URL valid for 15 minutes and is checked only at login, so minting one
per physical connect is right, and one minted at import time would break every connection made
15 minutes later. Minting is pure local signing (no network call): about a millisecond.
"""

from __future__ import annotations

import functools
import os
import threading
from typing import Any

import botocore.session
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import EnvProvider
from django.core.exceptions import ImproperlyConfigured

REGION_ENVIRONMENT_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
# What RDS signs IAM database tokens for, and the longest life AWS accepts (botocore uses the same).
SIGNING_SERVICE = "rds-db"
TOKEN_LIFETIME_SECONDS = 900


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
def aws_credentials() -> Any:
    """The process's AWS credentials (on Lambda, the function role's), resolved once.

    botocore's default chain looks at the environment first, which is where Lambda puts the role's
    keys; asking that provider directly skips building a whole botocore Session (it registers ~120
    event handlers: ~10-15 ms of every cold start, measured in the Lambda zip). Other sources
    (profiles, SSO, container and instance roles) go through the full chain as before.
    """
    credentials = EnvProvider().load() or botocore.session.Session().get_credentials()
    if credentials is None:
        raise ImproperlyConfigured(
            "no AWS credentials to sign the database auth token: on Lambda the function's role "
            "provides them; locally set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE"
        )
    return credentials


def forget_aws_credentials() -> None:
    """Resolve credentials afresh next time: after a refused login (the keys may have rotated since
    they were cached) and after a SnapStart restore."""
    aws_credentials.cache_clear()


def mint_auth_token(host: str, port: int, user: str, region: str) -> str:
    """A fresh token for ``user`` at exactly the ``host:port`` the driver will connect to.

    The same presigned URL boto3's RDS client generate_db_auth_token() returns (a test compares them
    byte for byte), signed with botocore's SigV4 query signer directly: building an RDS client loads
    the whole RDS service model, ~80 ms of every Lambda cold start, for a purely local signature.
    """
    request = AWSRequest(
        method="GET", url=f"https://{host}:{port}/", params={"Action": "connect", "DBUser": user}
    )
    signer = SigV4QueryAuth(aws_credentials(), SIGNING_SERVICE, region, expires=TOKEN_LIFETIME_SECONDS)
    signer.add_auth(request)
    tokens_minted.increment()
    return str(request.prepare().url).removeprefix("https://")
