"""Which database errors mean what: the pure mapping behind the 503/502 answers."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError

from hits.database_failures import FailureKind, Outcome, classify

NOT_STORED, UNKNOWN = Outcome.NOT_STORED, Outcome.UNKNOWN


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (9501, FailureKind.BUSY),  # RDS Proxy borrow timeout: the statement never reached MySQL
        (1040, FailureKind.BUSY),
        (1205, FailureKind.BUSY),
        (1213, FailureKind.CONFLICT),
        (1290, FailureKind.READ_ONLY),
        (1792, FailureKind.READ_ONLY),
        (1836, FailureKind.READ_ONLY),
        (1366, FailureKind.ERROR),
    ],
)
def test_an_error_the_server_answered_the_insert_with_means_nothing_was_stored(code, kind):
    failure = classify(OperationalError(code, "message"), before_write=False, vendor="mysql")
    assert (failure.kind, failure.outcome, failure.status) == (kind, NOT_STORED, 503)


@pytest.mark.parametrize(
    "error",
    [
        OperationalError(2013, "Lost connection"),
        OperationalError(2026, "SSL"),
        OperationalError(2006, "gone away"),
        InterfaceError(0, ""),
    ],
)
def test_a_connection_that_broke_during_the_insert_leaves_the_outcome_unknown(error):
    failure = classify(error, before_write=False, vendor="mysql")
    assert (failure.kind, failure.outcome, failure.status) == (FailureKind.LOST, UNKNOWN, 502)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (OperationalError(2003, "Can't connect"), FailureKind.UNREACHABLE),
        (OperationalError(1045, "Access denied"), FailureKind.UNREACHABLE),
        (OperationalError(9501, "Timed-out waiting to acquire database connection"), FailureKind.BUSY),
        (OperationalError(1040, "Too many connections"), FailureKind.BUSY),
    ],
)
def test_a_failure_before_the_insert_was_sent_means_nothing_was_stored(error, kind):
    failure = classify(error, before_write=True, vendor="mysql")
    assert (failure.kind, failure.outcome) == (kind, NOT_STORED)


def test_sqlite_errors_are_local_so_nothing_was_stored():
    failure = classify(OperationalError("database is locked"), before_write=False, vendor="sqlite")
    assert (failure.kind, failure.outcome) == (FailureKind.BUSY, NOT_STORED)
