"""AWS for the whole site: which region, which credentials, and reading Secrets Manager.

Every package asks here, so one rule decides the region (one error says it is missing) and one
chain finds the credentials. botocore is imported on first use only: `make run` on SQLite never
loads it, and nothing AWS runs at import time.
"""

from __future__ import annotations

import functools
import json
import os
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from botocore.credentials import Credentials
    from botocore.session import Session
    from mypy_boto3_secretsmanager import SecretsManagerClient

REGION_ENVIRONMENT_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
REGION_ADVICE = "set AWS_REGION (Lambda sets it for you) or AWS_DEFAULT_REGION"


def configured_region(configured: str | None = None) -> str | None:
    """``configured``, else AWS_REGION (Lambda sets it) or AWS_DEFAULT_REGION; None when none is set."""
    return configured or next(
        (os.environ[name] for name in REGION_ENVIRONMENT_VARIABLES if os.environ.get(name)), None
    )


def aws_region(configured: str | None = None) -> str:
    """The region to call AWS in; ImproperlyConfigured, saying what to set, when there is none."""
    region = configured_region(configured)
    if not region:
        raise ImproperlyConfigured(f"AWS region not set: {REGION_ADVICE}")
    return region


def botocore_session() -> Session:
    import botocore.session

    return botocore.session.Session()


@functools.cache
def aws_credentials() -> Credentials:
    """The process's AWS credentials (on Lambda, the function role's), resolved once.

    botocore's default chain looks at the environment first, which is where Lambda puts the role's
    keys; asking that provider directly skips building a whole botocore Session (it registers ~120
    event handlers: ~10-15 ms of every cold start, measured in the Lambda zip). Other sources
    (profiles, SSO, container and instance roles) go through the session's full chain.
    """
    from botocore.credentials import EnvProvider

    credentials = EnvProvider().load() or botocore_session().get_credentials()
    if credentials is None:
        raise ImproperlyConfigured(
            "no AWS credentials: on Lambda the function's role provides them; locally set "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE"
        )
    return credentials


def forget_aws_credentials() -> None:
    """Resolve credentials afresh next time: after a refused login (the keys may have rotated since
    they were cached) and after a SnapStart restore."""
    aws_credentials.cache_clear()


def read_secret_string(secret_arn: str) -> str:
    """The current value of a plain-string secret (e.g. Django's secret key)."""
    client = cast(
        "SecretsManagerClient", botocore_session().create_client("secretsmanager", region_name=aws_region())
    )
    return str(client.get_secret_value(SecretId=secret_arn)["SecretString"])


def read_secret_json(secret_arn: str) -> dict[str, Any]:
    """A JSON-object secret (RDS and our stack store {"username": ..., "password": ...})."""
    secret = json.loads(read_secret_string(secret_arn))
    if not isinstance(secret, dict):
        raise ValueError(f"secret {secret_arn} is not a JSON object")
    return secret
