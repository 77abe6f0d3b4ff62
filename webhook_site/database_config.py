"""DATABASES entries from URL environment variables, with our MySQL and RDS Proxy options.

The scheme mysql-iam://<user>@<proxy endpoint>:3306/<name> selects the IAM-token backend
(webhook_site.db.mysql_iam), which mints a fresh auth token for every new connection.
"""

from __future__ import annotations

from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()
IAM_DATABASE_ENGINE = "webhook_site.db.mysql_iam"
MYSQL_ENGINES = ("django.db.backends.mysql", IAM_DATABASE_ENGINE)
environ.Env.DB_SCHEMES["mysql-iam"] = IAM_DATABASE_ENGINE

# Connection reuse behind RDS Proxy. A warm Lambda container serves request after request, so it
# keeps its one connection (no token, TLS handshake or proxy login per request). 600 s because:
# - it must stay below the proxy's IdleClientTimeout (1800 s, infra/webhook-site.yaml), or the proxy
#   closes our idle connection first (CONN_HEALTH_CHECKS would still replace it, at one failed ping);
# - tokens are checked only at login, so their 15-minute life does not bound the connection;
# - recycling every 10 minutes keeps IAM logins at ~6/hour per container, far under the IAM auth
#   rate limit that bites Lambdas reconnecting per request, and well inside the proxy's 24 h
#   client-connection maximum.
PROXY_CONN_MAX_AGE_SECONDS = 600
# Fail fast when the proxy is gone (e.g. after a Lambda freeze) instead of hanging to the Lambda
# timeout; the read timeout sits above the proxy's ConnectionBorrowTimeout so a busy pool answers
# with its own error (9501) and we turn that into a 503. 5 + 20 s stay inside the web function's
# 28 s timeout (zappa_settings.json), which stays inside API Gateway's 29 s integration timeout.
PROXY_CONNECT_TIMEOUT_SECONDS = 5
PROXY_READ_WRITE_TIMEOUT_SECONDS = 20
# DATABASE_READ_TIMEOUT_SECONDS overrides the read timeout; 0 means none. Schema work needs none: a
# DDL statement (an ALTER TABLE copying a large table) may run for minutes, and a client that gives
# up at 20 s leaves MySQL to finish the statement while Django records nothing in django_migrations,
# so the schema and its history part ways. The admin stage sets 0; the admin swap drops it too.
READ_TIMEOUT_VARIABLE = "DATABASE_READ_TIMEOUT_SECONDS"
NO_READ_TIMEOUT = 0


def database_settings(
    url_variable: str, default: str | None = None, *, read_timeout_seconds: int | None = None
) -> dict[str, Any]:
    """One DATABASES entry from a URL variable, with our MySQL/RDS Proxy options filled in.

    ``read_timeout_seconds`` overrides DATABASE_READ_TIMEOUT_SECONDS (0: none), for schema work.
    """
    # Without a default, a missing variable is environ's clear "Set the <name> environment variable".
    database: dict[str, Any] = (
        env.db(url_variable) if default is None else env.db(url_variable, default=default)
    )
    database["CONN_HEALTH_CHECKS"] = True
    database["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
    if database["ENGINE"] not in MYSQL_ENGINES:
        return database
    options = database.setdefault("OPTIONS", {})
    options.setdefault("charset", "utf8mb4")
    is_proxy = database["ENGINE"] == IAM_DATABASE_ENGINE
    if read_timeout_seconds is None:
        default_read_timeout = PROXY_READ_WRITE_TIMEOUT_SECONDS if is_proxy else NO_READ_TIMEOUT
        read_timeout_seconds = env.int(READ_TIMEOUT_VARIABLE, default=default_read_timeout)
    if read_timeout_seconds < 0:
        raise ImproperlyConfigured(f"{READ_TIMEOUT_VARIABLE} must be 0 (no read timeout) or more seconds")
    # mysqlclient waits forever for a reply unless read_timeout is given.
    options.pop("read_timeout", None)
    if read_timeout_seconds:
        options["read_timeout"] = read_timeout_seconds
    if is_proxy:
        database["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=PROXY_CONN_MAX_AGE_SECONDS)
        # Session setup RDS Proxy tracks rather than pins on: autocommit on from the start (no
        # SET autocommit=0/1 round trips) and no per-connection isolation SET; the DB parameter
        # group sets transaction_isolation=READ-COMMITTED instead. What remains is SET NAMES.
        options.update(
            autocommit=True,
            isolation_level=None,
            connect_timeout=PROXY_CONNECT_TIMEOUT_SECONDS,
            write_timeout=PROXY_READ_WRITE_TIMEOUT_SECONDS,
        )
        # A CA bundle of its own (the RDS one, or the stand-in's in tests); the backend owns every
        # other TLS default (webhook_site/db/mysql_iam/configuration.py).
        if ca_bundle := env.str("DATABASE_CA_BUNDLE", default=""):
            options["ssl"] = {"ca": ca_bundle}
    return database
