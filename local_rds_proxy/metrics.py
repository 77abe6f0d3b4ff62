"""Counters and gauges named after RDS Proxy's CloudWatch metrics (namespace AWS/RDS), plus a few extras.

CamelCase keys are CloudWatch metric names; snake_case keys are the stand-in's own additions.
Plain counters are incremented where the event happens (``metrics.query_requests += 1``); anything
that moves more than one figure, or keeps a breakdown by reason, has one ``record_*`` method.
"""

from __future__ import annotations

import collections
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local_rds_proxy.iam_token import AuthFailure
from local_rds_proxy.sql_classifier import PinReason

# Borrow latencies kept for percentiles: enough for any test run, bounded for long-lived runs.
LATENCY_SAMPLES = 10_000


@dataclass
class LatencyStats:
    """Count, last, max, mean and percentiles of a latency in microseconds."""

    count: int = 0
    total: float = 0.0
    last: float = 0.0
    maximum: float = 0.0
    samples: collections.deque[float] = field(
        default_factory=lambda: collections.deque(maxlen=LATENCY_SAMPLES)
    )

    def record(self, microseconds: float) -> None:
        self.count += 1
        self.total += microseconds
        self.last = microseconds
        self.maximum = max(self.maximum, microseconds)
        self.samples.append(microseconds)

    def summary(self) -> dict[str, int]:
        samples = sorted(self.samples)
        result = {"count": self.count, "last": round(self.last), "max": round(self.maximum)}
        result["mean"] = round(self.total / self.count) if self.count else 0
        if len(samples) >= 2:
            cuts = statistics.quantiles(samples, n=100, method="inclusive")
            result.update(p50=round(cuts[49]), p95=round(cuts[94]), p99=round(cuts[98]))
        else:
            result.update(p50=round(self.last), p95=round(self.last), p99=round(self.last))
        return result


@dataclass
class ProxyMetrics:
    """Event counters; the gauges (current counts) are read from the live objects at snapshot time."""

    client_connections_received: int = 0
    client_connections_setup_succeeded: int = 0
    client_connections_setup_failed_auth: int = 0
    client_connections_no_tls: int = 0
    client_connections_tls: int = 0
    client_connections_closed: int = 0
    database_connection_requests: int = 0
    database_connections_setup_succeeded: int = 0
    database_connections_setup_failed: int = 0
    database_connections_closed: int = 0
    query_requests: int = 0
    tokens_verified: int = 0
    borrow_timeouts: int = 0
    idle_client_timeouts: int = 0
    backend_resets: int = 0
    replayed_statements: int = 0
    dirty_backends_closed: int = 0
    pinned_sessions_total: int = 0
    peak_database_connections: int = 0
    borrow_latency: LatencyStats = field(default_factory=LatencyStats)
    pinned_by_reason: collections.Counter[PinReason] = field(default_factory=collections.Counter)
    auth_failures_by_reason: collections.Counter[AuthFailure] = field(default_factory=collections.Counter)

    def record_borrow(self, microseconds: float) -> None:
        self.borrow_latency.record(microseconds)

    def observe_database_connections(self, count: int) -> None:
        self.peak_database_connections = max(self.peak_database_connections, count)

    def record_pin(self, reason: PinReason) -> None:
        self.pinned_sessions_total += 1
        self.pinned_by_reason[reason] += 1

    def record_auth_failure(self, reason: AuthFailure) -> None:
        self.client_connections_setup_failed_auth += 1
        self.auth_failures_by_reason[reason] += 1

    def snapshot(self, gauges: Callable[[], dict[str, int]]) -> dict[str, Any]:
        """All metrics as a JSON-ready dict; ``gauges`` supplies the current connection counts."""
        current = gauges()
        return {
            **current,
            "ClientConnectionsReceived": self.client_connections_received,
            "ClientConnectionsSetupSucceeded": self.client_connections_setup_succeeded,
            "ClientConnectionsSetupFailedAuth": self.client_connections_setup_failed_auth,
            "ClientConnectionsNoTLS": self.client_connections_no_tls,
            "ClientConnectionsTLS": self.client_connections_tls,
            "ClientConnectionsClosed": self.client_connections_closed,
            "DatabaseConnectionRequests": self.database_connection_requests,
            "DatabaseConnectionsSetupSucceeded": self.database_connections_setup_succeeded,
            "DatabaseConnectionsSetupFailed": self.database_connections_setup_failed,
            "DatabaseConnectionsBorrowLatency": self.borrow_latency.summary(),
            "QueryRequests": self.query_requests,
            "pinned_by_reason": {reason.value: count for reason, count in self.pinned_by_reason.items()},
            "pinned_sessions_total": self.pinned_sessions_total,
            "auth_failures_by_reason": {
                reason.value: count for reason, count in self.auth_failures_by_reason.items()
            },
            "tokens_verified": self.tokens_verified,
            "borrow_timeouts": self.borrow_timeouts,
            "idle_client_timeouts": self.idle_client_timeouts,
            "backend_resets": self.backend_resets,
            "replayed_statements": self.replayed_statements,
            "database_connections_closed": self.database_connections_closed,
            "dirty_backends_closed": self.dirty_backends_closed,
            "peak_database_connections": self.peak_database_connections,
        }
