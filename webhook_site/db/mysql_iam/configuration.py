"""What the mysql_iam backend needs before it may log in, found without connecting.

One set of rules, read in two places: the system checks (webhook_site.db.mysql_iam.checks) report
every problem at start-up and at build time, and the backend refuses a connection with the same words
when a process skipped the checks. Each problem carries the check id it is reported under.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import certifi
from django.core.exceptions import ImproperlyConfigured

from site_platform.aws import REGION_ADVICE, aws_credentials, configured_region
from webhook_site.db.clear_password_plugin import ensure_clear_password_plugin

# Only VERIFY_IDENTITY checks the host name too: VERIFY_CA accepts any host holding a certificate
# from the CA (Oracle's client library skips the name check there), so the IAM token, sent in clear
# inside TLS, could go to whoever holds one.
VERIFYING_SSL_MODE = "VERIFY_IDENTITY"
# OPTIONS keys for this backend, not for MySQLdb.connect().
IAM_OPTION_KEYS = ("aws_region",)


@dataclass(frozen=True)
class Problem:
    check_id: str
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.message}: {self.hint}"


def tls_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The connection's TLS arguments: what OPTIONS say, else this backend's defaults (the public CA
    bundle, which holds the Amazon roots RDS Proxy's certificates chain to, and VERIFY_IDENTITY)."""
    return {
        "ssl": options.get("ssl") or {"ca": certifi.where()},
        "ssl_mode": options.get("ssl_mode", VERIFYING_SSL_MODE),
    }


def configuration_problems(settings_dict: Mapping[str, Any]) -> list[Problem]:
    """Every reason a connection with ``settings_dict`` could not log in; empty when there is none."""
    options = settings_dict.get("OPTIONS") or {}
    return [
        *settings_problems(settings_dict),
        *region_problems(options),
        *tls_problems(options),
        *environment_problems(),
    ]


def settings_problems(settings_dict: Mapping[str, Any]) -> list[Problem]:
    problems = []
    if settings_dict.get("PASSWORD"):
        problems.append(
            Problem(
                "mysql_iam.E001",
                "the mysql_iam backend logs in with IAM tokens, but a password is set",
                "remove the password from the database settings (mysql-iam://<user>@<proxy>:3306/<name>)",
            )
        )
    host = str(settings_dict.get("HOST") or "")
    if not host or host.startswith("/") or not settings_dict.get("PORT"):
        problems.append(
            Problem(
                "mysql_iam.E002",
                "the mysql_iam backend needs HOST and PORT (the proxy endpoint)",
                "give both in the URL: mysql-iam://<user>@<proxy endpoint>:3306/<name>",
            )
        )
    return problems


def region_problems(options: Mapping[str, Any]) -> list[Problem]:
    if configured_region(options.get("aws_region")):
        return []
    return [
        Problem(
            "mysql_iam.E003",
            "AWS region not set for IAM database auth",
            f"{REGION_ADVICE}, or add ?aws_region=<region> to DATABASE_URL",
        )
    ]


def tls_problems(options: Mapping[str, Any]) -> list[Problem]:
    ssl_mode = tls_options(options)["ssl_mode"]
    if ssl_mode == VERIFYING_SSL_MODE:
        return []
    return [
        Problem(
            "mysql_iam.E005",
            f"ssl_mode {ssl_mode!r} would send the IAM token to an unverified server",
            f"use {VERIFYING_SSL_MODE} (the default): only it checks the proxy's host name",
        )
    ]


def environment_problems() -> list[Problem]:
    """What the process itself must provide: credentials to sign with, the client auth plugin."""
    problems = []
    try:
        aws_credentials()
    except ImproperlyConfigured as error:
        problems.append(Problem("mysql_iam.E004", "cannot sign IAM database auth tokens", str(error)))
    try:
        ensure_clear_password_plugin()
    except ImproperlyConfigured as error:
        problems.append(Problem("mysql_iam.E006", "cannot log in through RDS Proxy", str(error)))
    return problems
