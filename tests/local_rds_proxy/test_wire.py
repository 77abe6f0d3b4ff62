"""The stand-in's wire vocabulary: named errors as clients expect them, a handler for every framing state."""

from __future__ import annotations

import json

from local_rds_proxy import wire
from local_rds_proxy.iam_token import AuthFailure
from local_rds_proxy.metrics import ProxyMetrics
from local_rds_proxy.response_framing import _HANDLERS, _State
from local_rds_proxy.sql_classifier import PinReason


def test_rds_proxy_errors_keep_their_codes_and_texts() -> None:
    assert (wire.BORROW_TIMEOUT.code, wire.BORROW_TIMEOUT.sql_state) == (9501, "HY000")
    assert wire.BORROW_TIMEOUT.message == "Timed-out waiting to acquire database connection"
    assert wire.TLS_REQUIRED.code == 3159
    assert wire.TLS_REQUIRED.message == "This RDS Proxy requires TLS connections"


def test_access_denied_reads_like_the_database_and_says_why() -> None:
    error = wire.access_denied("webhook_app", "signature does not match")

    assert (error.code, error.sql_state) == (1045, "28000")
    assert error.message == (
        "Access denied for user 'webhook_app'@'%' (using password: YES) "
        "[local_rds_proxy: signature does not match]"
    )


def test_a_greeting_error_has_no_sql_state() -> None:
    payload = wire.BORROW_TIMEOUT.greeting_payload()

    assert payload[0] == wire.ERR_HEADER
    assert wire.ErrPacket.parse(payload) == wire.ErrPacket(9501, "HY000", wire.BORROW_TIMEOUT.message)


def test_every_state_but_finished_has_a_handler() -> None:
    assert set(_HANDLERS) == set(_State) - {_State.FINISHED}


def test_reasons_are_reported_by_their_names() -> None:
    metrics = ProxyMetrics()
    metrics.record_auth_failure(AuthFailure.SIGNATURE)
    metrics.record_auth_failure(AuthFailure.SIGNATURE)
    metrics.record_pin(PinReason.NAMED_LOCK)

    snapshot = json.loads(json.dumps(metrics.snapshot(dict)))

    assert snapshot["auth_failures_by_reason"] == {"signature": 2}
    assert snapshot["ClientConnectionsSetupFailedAuth"] == 2
    assert snapshot["pinned_by_reason"] == {"get_lock": 1}
    assert snapshot["pinned_sessions_total"] == 1
