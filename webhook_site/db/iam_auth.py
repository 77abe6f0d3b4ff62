"""IAM auth tokens for RDS Proxy: signed locally with botocore, one per new database connection.

A token is a SigV4-presigned URL valid for 15 minutes and is checked only at login, so minting one
per physical connect is right, and one minted at import time would break every connection made
15 minutes later. Minting is pure local signing (no network call): about a millisecond.
"""

from __future__ import annotations

import threading

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest

from site_platform.aws import aws_credentials, forget_aws_credentials

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


def mint_auth_token_with_fresh_credentials(host: str, port: int, user: str, region: str) -> str:
    """mint_auth_token() with credentials resolved anew: the cached ones may be the keys just refused."""
    forget_aws_credentials()
    return mint_auth_token(host, port, user, region)
