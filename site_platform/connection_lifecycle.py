"""Connection upkeep for work that runs outside Django's request cycle.

Django recycles stale or broken connections (CONN_MAX_AGE, CONN_HEALTH_CHECKS) only on the
request_started/request_finished signals. Management commands and `zappa invoke` events in a warm
Lambda container never fire them, so they would reuse a connection the proxy closed long ago.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections


def close_stale_connections() -> None:
    """close_old_connections(), but never under a transaction this thread has open."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


@contextmanager
def outside_request_cycle() -> Iterator[None]:
    """Recycle stale connections before and after non-request work, as a request would."""
    close_stale_connections()
    try:
        yield
    finally:
        close_stale_connections()
