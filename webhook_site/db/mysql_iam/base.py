"""Django's MySQL backend for RDS Proxy with IAM auth: a fresh token per connection, TLS verified.

Differences from django.db.backends.mysql, each for one reason:
- get_connection_params(): the password is an IAM token minted for this very connection, and TLS
  must verify the proxy's certificate and host name before the token (sent in clear inside TLS)
  leaves the process. A configuration that cannot log in (configuration.py, also reported by the
  system checks) is refused as the driver's OperationalError, so a request meeting it gets the 503
  of an unreachable database rather than a 500.
- get_new_connection(): RDS Proxy answers 1045 for any token it rejects; a token minted a moment
  later deserves one more try, signed with credentials resolved afresh: the cached ones may be the
  very keys that were just refused (rotated since they were read).
- close_if_unusable_or_obsolete(): a statement over 16 KB pins the proxy session to one database
  connection for as long as the client connection lives; we end such a connection at the next
  request boundary so pinning never outlives the request that caused it.
- validation: Django's MySQL check connects (to read sql_mode); with the configuration broken it
  would only fail again, so it waits until the mysql_iam checks pass.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.mysql import base as mysql_base
from django.db.backends.mysql.validation import DatabaseValidation as MySQLDatabaseValidation
from MySQLdb import OperationalError
from MySQLdb.constants import ER
from MySQLdb.cursors import Cursor

from site_platform.aws import aws_region
from webhook_site.db.iam_auth import mint_auth_token, mint_auth_token_with_fresh_credentials
from webhook_site.db.mysql_iam.configuration import IAM_OPTION_KEYS, configuration_problems, tls_options

logger = logging.getLogger(__name__)

# RDS Proxy pins a session on "any statement with a text size greater than 16 KB". We stop a little
# short of 16 * 1024 in case "KB" means 1000 bytes: closing a connection early costs one reconnect.
PINNING_STATEMENT_BYTES = 16_000


class MisconfiguredDatabase(ImproperlyConfigured, OperationalError):
    """The settings cannot log in. Also the driver's OperationalError, which Django turns into its
    own: to a request, a database it cannot reach (503), not a crash (500)."""


class StatementSizeTrackingCursor(Cursor):
    """Notes on its connection when a statement big enough to pin the proxy session was sent."""

    def _query(self, q: bytes) -> Any:
        # Every statement mysqlclient sends, parameters inlined, passes through _query.
        if len(q) > PINNING_STATEMENT_BYTES:
            self.connection.sent_pinning_statement = True
        return super()._query(q)  # type: ignore[misc]  # private in mysqlclient, absent from its stubs


class DatabaseValidation(MySQLDatabaseValidation):
    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        if configuration_problems(self.connection.settings_dict):
            return []  # reported by webhook_site.db.mysql_iam.checks; connecting would fail
        return list(super().check(**kwargs))


class DatabaseWrapper(mysql_base.DatabaseWrapper):
    validation_class = DatabaseValidation

    def get_connection_params(self) -> dict[str, Any]:
        problems = configuration_problems(self.settings_dict)
        if problems:
            raise MisconfiguredDatabase("; ".join(str(problem) for problem in problems))
        options = self.settings_dict["OPTIONS"]
        region = aws_region(options.get("aws_region"))
        params = super().get_connection_params()
        for key in IAM_OPTION_KEYS:
            params.pop(key, None)
        params.update(tls_options(options))
        params["cursorclass"] = StatementSizeTrackingCursor
        params["password"] = mint_auth_token(params["host"], params["port"], params["user"], region)
        self._iam_region = region
        return params

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        try:
            return super().get_new_connection(conn_params)
        except OperationalError as error:
            if error.args[0] != ER.ACCESS_DENIED_ERROR:
                raise
            logger.warning(
                "IAM login refused (%s); retrying once with a fresh token and fresh credentials",
                error.args[1],
            )
            conn_params["password"] = mint_auth_token_with_fresh_credentials(
                conn_params["host"], conn_params["port"], conn_params["user"], self._iam_region
            )
            return super().get_new_connection(conn_params)

    def close_if_unusable_or_obsolete(self) -> None:
        if self.connection is not None and getattr(self.connection, "sent_pinning_statement", False):
            logger.info("closing a database connection whose proxy session a >16 KB statement pinned")
            self.close()
            return
        super().close_if_unusable_or_obsolete()
