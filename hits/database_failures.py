"""What a database error means for the client: why the request failed, and whether anything was stored.

A capture may say "nothing was stored" only when that is provably true:
- the failure came before the INSERT was sent (capture.DatabaseNotReached: connect, login, the health
  check, RDS Proxy refusing a login), or
- the server (or RDS Proxy) answered a statement with an error. Every capture is one transaction
  (the hit's INSERT and its search keys' INSERT), so an error answer means it was rolled back.
When the connection broke while the INSERT was in flight (a client-side error: the MySQL client
library's CR_* codes, 2000-2999), the row may have been committed before the answer was lost: the
outcome is unknown, and the message says so rather than invite a duplicate.

The MySQL codes are spelled out here because this module must load where no MySQL driver is
installed (`make run` on SQLite). Sources: MySQL 8.0 server and client error references; 9501 is
RDS Proxy's borrow timeout (docs/database.md).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.db import InterfaceError

# Server (or proxy) answers: the statement did not happen.
LOCK_WAIT_TIMEOUT = 1205  # ER_LOCK_WAIT_TIMEOUT: autocommit statement rolled back
TOO_MANY_CONNECTIONS = 1040  # ER_CON_COUNT_ERROR; RDS Proxy also uses it for its rate limits
PROXY_BORROW_TIMEOUT = 9501  # RDS Proxy: no pooled database connection within ConnectionBorrowTimeout
DEADLOCK = 1213  # ER_LOCK_DEADLOCK: the transaction was rolled back
OPTION_PREVENTS_STATEMENT = 1290  # ER_OPTION_PREVENTS_STATEMENT, e.g. --read-only
READ_ONLY_TRANSACTION = 1792  # ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
READ_ONLY_MODE = 1836  # ER_READ_ONLY_MODE
# The client library's own codes (CR_*): the connection failed, whatever the server did.
CLIENT_ERROR_CODES = range(2000, 3000)


class FailureKind(enum.Enum):
    UNREACHABLE = "the database cannot be reached"
    BUSY = "the database is busy"
    CONFLICT = "the write conflicted with another one and was rolled back"
    READ_ONLY = "the database accepts no writes right now (maintenance or failover)"
    LOST = "the connection to the database was lost while the request was being stored"
    ERROR = "the database answered with an error"

    @property
    def status(self) -> int:
        # 503: try again later. A lost connection is the gateway-style failure of an upstream (502).
        return 502 if self is FailureKind.LOST else 503


class Outcome(enum.Enum):
    NOT_STORED = "Nothing was stored."
    UNKNOWN = "It may or may not have been stored."


@dataclass(frozen=True)
class DatabaseFailure:
    kind: FailureKind
    outcome: Outcome
    code: int | None

    @property
    def status(self) -> int:
        return self.kind.status


BUSY_CODES = frozenset({LOCK_WAIT_TIMEOUT, TOO_MANY_CONNECTIONS, PROXY_BORROW_TIMEOUT})
READ_ONLY_CODES = frozenset({OPTION_PREVENTS_STATEMENT, READ_ONLY_TRANSACTION, READ_ONLY_MODE})


def error_code(error: BaseException) -> int | None:
    """The driver's numeric code (MySQLdb errors carry (code, message) as args), if any."""
    code = error.args[0] if error.args else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def answered_kind(code: int | None, message: str) -> FailureKind:
    """The kind of an error the server or proxy answered with."""
    if code in BUSY_CODES or "database is locked" in message:  # the latter: SQLite's busy
        return FailureKind.BUSY
    if code == DEADLOCK:
        return FailureKind.CONFLICT
    if code in READ_ONLY_CODES:
        return FailureKind.READ_ONLY
    return FailureKind.ERROR


def classify(error: BaseException, *, before_write: bool, vendor: str) -> DatabaseFailure:
    """``before_write``: the failure came before the INSERT was sent (or no write was attempted)."""
    code = error_code(error)
    if before_write:
        kind = answered_kind(code, str(error))
        # A refused or timed-out login is a busy or unreachable database, never a bad statement.
        return DatabaseFailure(
            FailureKind.UNREACHABLE if kind is FailureKind.ERROR else kind, Outcome.NOT_STORED, code
        )
    lost_in_flight = vendor != "sqlite" and (
        isinstance(error, InterfaceError) or code is None or code in CLIENT_ERROR_CODES
    )
    if lost_in_flight:
        return DatabaseFailure(FailureKind.LOST, Outcome.UNKNOWN, code)
    # SQLite runs in this process: an error means its transaction was not committed.
    return DatabaseFailure(answered_kind(code, str(error)), Outcome.NOT_STORED, code)
