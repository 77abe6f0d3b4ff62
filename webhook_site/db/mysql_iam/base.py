"""Django's MySQL backend for RDS Proxy with IAM auth: a fresh token per connection, TLS verified.

Differences from django.db.backends.mysql, each for one reason:
- get_connection_params(): the password is an IAM token minted for this very connection, and TLS
  must verify the proxy's certificate and host name before the token (sent in clear inside TLS)
  leaves the process.
- get_new_connection(): RDS Proxy answers 1045 for any token it rejects; a token minted a moment
  later deserves one more try, signed with credentials resolved afresh: the cached ones may be the
  very keys that were just refused (rotated since they were read).
- close_if_unusable_or_obsolete(): a statement over 16 KB pins the proxy session to one database
  connection for as long as the client connection lives; we end such a connection at the next
  request boundary so pinning never outlives the request that caused it.
"""

from __future__ import annotations

import logging
from typing import Any

import certifi
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.mysql import base as mysql_base
from MySQLdb import OperationalError
from MySQLdb.constants import ER
from MySQLdb.cursors import Cursor

from webhook_site.db.clear_password_plugin import ensure_clear_password_plugin
from webhook_site.db.iam_auth import aws_region, forget_aws_credentials, mint_auth_token

logger = logging.getLogger(__name__)

# RDS Proxy pins a session on "any statement with a text size greater than 16 KB". We stop a little
# short of 16 * 1024 in case "KB" means 1000 bytes: closing a connection early costs one reconnect.
PINNING_STATEMENT_BYTES = 16_000
VERIFYING_SSL_MODES = ("VERIFY_IDENTITY", "VERIFY_CA")
# OPTIONS keys for us, not for MySQLdb.connect().
IAM_OPTION_KEYS = ("aws_region",)


class StatementSizeTrackingCursor(Cursor):
    """Notes on its connection when a statement big enough to pin the proxy session was sent."""

    def _query(self, q: bytes) -> Any:
        # Every statement mysqlclient sends, parameters inlined, passes through _query.
        if len(q) > PINNING_STATEMENT_BYTES:
            self.connection.sent_pinning_statement = True
        return super()._query(q)  # type: ignore[misc]  # private in mysqlclient, absent from its stubs


class DatabaseWrapper(mysql_base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        if self.settings_dict["PASSWORD"]:
            raise ImproperlyConfigured(
                "the mysql_iam backend logs in with IAM tokens: "
                "remove the password from the database settings"
            )
        region = aws_region(self.settings_dict["OPTIONS"].get("aws_region"))
        params = super().get_connection_params()
        for key in IAM_OPTION_KEYS:
            params.pop(key, None)
        if "host" not in params or "port" not in params:
            raise ImproperlyConfigured("the mysql_iam backend needs HOST and PORT (the proxy endpoint)")
        params.setdefault("ssl", {"ca": certifi.where()})
        params.setdefault("ssl_mode", "VERIFY_IDENTITY")
        if params["ssl_mode"] not in VERIFYING_SSL_MODES:
            raise ImproperlyConfigured(
                f"ssl_mode {params['ssl_mode']!r} would send the IAM token to an unverified server; "
                f"use one of {', '.join(VERIFYING_SSL_MODES)}"
            )
        params["cursorclass"] = StatementSizeTrackingCursor
        params["password"] = mint_auth_token(params["host"], params["port"], params["user"], region)
        self._iam_region = region
        return params

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        ensure_clear_password_plugin()
        try:
            return super().get_new_connection(conn_params)
        except OperationalError as error:
            if error.args[0] != ER.ACCESS_DENIED_ERROR:
                raise
            logger.warning(
                "IAM login refused (%s); retrying once with a fresh token and fresh credentials",
                error.args[1],
            )
            forget_aws_credentials()
            conn_params["password"] = mint_auth_token(
                conn_params["host"], conn_params["port"], conn_params["user"], self._iam_region
            )
            return super().get_new_connection(conn_params)

    def close_if_unusable_or_obsolete(self) -> None:
        if self.connection is not None and getattr(self.connection, "sent_pinning_statement", False):
            logger.info("closing a database connection whose proxy session a >16 KB statement pinned")
            self.close()
            return
        super().close_if_unusable_or_obsolete()
