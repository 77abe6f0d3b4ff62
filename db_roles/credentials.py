"""Where bootstrap_db_users finds the master login and the app/admin passwords.

Locally: DATABASE_MASTER_URL and DATABASE_APP_PASSWORD / DATABASE_ADMIN_PASSWORD. On AWS: the
master secret RDS manages (RDS_MASTER_SECRET_ARN) for the instance at RDS_INSTANCE_HOST, and the two
user secrets RDS Proxy logs in with (DATABASE_APP_SECRET_ARN, DATABASE_ADMIN_SECRET_ARN). Nothing here
is read by the web path: only the bootstrap command calls these functions.
"""

from __future__ import annotations

import os
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

from site_platform.aws import read_secret_json


def required_environment(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"set {name}")
    return value


def master_connection_params() -> dict[str, Any]:
    """MySQLdb.connect() arguments for the master user, TLS verified when on AWS."""
    if os.environ.get("DATABASE_MASTER_URL"):
        url = environ.Env.db_url_config(os.environ["DATABASE_MASTER_URL"])
        return {
            "host": url["HOST"],
            "port": int(url["PORT"] or 3306),
            "user": url["USER"],
            "password": url["PASSWORD"],
        }
    secret = read_secret_json(required_environment("RDS_MASTER_SECRET_ARN"))
    host, _, port = required_environment("RDS_INSTANCE_HOST").partition(":")
    # The instance (not the proxy) presents an RDS CA certificate, which the public CA bundle lacks.
    ca_bundle = required_environment("DATABASE_MASTER_CA_BUNDLE")
    if not os.path.isfile(ca_bundle):
        raise ImproperlyConfigured(f"DATABASE_MASTER_CA_BUNDLE: no file at {ca_bundle} (see docs/deploy.md)")
    return {
        "host": host,
        "port": int(port or 3306),
        "user": secret["username"],
        "password": secret["password"],
        "ssl": {"ca": ca_bundle},
        "ssl_mode": "VERIFY_IDENTITY",
    }


def role_login(user: str | None, secret_variable: str, password_variable: str) -> tuple[str, str]:
    """(user, password) RDS Proxy will log in with: from the user's secret, or from the environment.

    ``user``: the name this process's database URLs give the user, None where they give none (the
    admin stage does not name the app user): the secret, which is what the proxy logs in with, does.
    """
    if os.environ.get(password_variable):
        if user is None:
            raise ImproperlyConfigured(
                f"{password_variable} is set, but no database URL names its user: set DATABASE_ADMIN_URL "
                "(the admin user) beside DATABASE_URL (the app user)"
            )
        return user, os.environ[password_variable]
    secret = read_secret_json(required_environment(secret_variable))
    if user is not None and secret.get("username") != user:
        raise ImproperlyConfigured(
            f"the secret in {secret_variable} is for user {secret.get('username')!r}, not {user!r}"
        )
    return str(secret["username"]), str(secret["password"])
