"""The production database path on one machine: MariaDB -> RDS Proxy stand-in -> the site's settings.

``LocalStack`` assembles it (``local_stack.stack`` alone knows the pretend AWS account, the database
users and the URL scheme); `make stack` (``python -m local_stack``) runs it to click through, and the
benchmarks, the chaos run and the test fixtures build on it.
"""

from local_stack.stack import (
    ADMIN_USER,
    APP_USER,
    CREDENTIAL,
    DATABASE,
    MASTER_USER,
    REGION,
    LocalStack,
    aws_environment,
    database_url,
    local_password,
)
from local_stack.stand_in import StandInProcess

__all__ = [
    "ADMIN_USER",
    "APP_USER",
    "CREDENTIAL",
    "DATABASE",
    "MASTER_USER",
    "REGION",
    "LocalStack",
    "StandInProcess",
    "aws_environment",
    "database_url",
    "local_password",
]
