"""The connection pool: lends backends per transaction, bounded by max_connections, with a borrow timeout.

Backends are keyed by what cannot be changed after login (user, handshake charset, behaviour-changing
capability bits). Waiters are served first come, first served: a returned backend is handed straight to
the oldest waiter, so a new borrower can never overtake one that has been waiting.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from local_rds_proxy import packets as p
from local_rds_proxy import wire
from local_rds_proxy.backend import BackendConnection, BackendError, BackendRefused
from local_rds_proxy.metrics import ProxyMetrics
from local_rds_proxy.session_state import SessionState, plan_sync

log = logging.getLogger(__name__)

# Capability bits that change what the server sends or how it behaves, so clients that differ in
# them must not share a backend (Django sets FOUND_ROWS; plain mysqlclient does not).
BEHAVIOUR_CAPABILITIES = (
    wire.CLIENT_FOUND_ROWS
    | wire.CLIENT_NO_SCHEMA
    | wire.CLIENT_LOCAL_FILES
    | wire.CLIENT_IGNORE_SPACE
    | wire.CLIENT_INTERACTIVE
    | wire.CLIENT_MULTI_STATEMENTS
    | wire.CLIENT_MULTI_RESULTS
    | wire.CLIENT_PS_MULTI_RESULTS
    | wire.CLIENT_SESSION_TRACK
    | wire.CLIENT_DEPRECATE_EOF
)
# How long to wait before retrying when the database cannot be reached (RDS Proxy keeps queueing
# borrowers during a failover until ConnectionBorrowTimeout).
CONNECT_RETRY_SECONDS = 0.2


@dataclass(frozen=True)
class PoolKey:
    user: str
    charset: int
    capabilities: int

    @classmethod
    def for_client(cls, user: str, charset: int, client_capabilities: int) -> PoolKey:
        return cls(user, charset, client_capabilities & BEHAVIOUR_CAPABILITIES)


class BorrowTimeout(Exception):
    """No backend became available within the borrow timeout."""


class _Slot:
    """Handed to a waiter instead of a backend: permission to open a new connection."""


_SLOT = _Slot()
Opener = Callable[[PoolKey], Awaitable[BackendConnection]]


class BackendPool:
    def __init__(
        self,
        opener: Opener,
        max_connections: int,
        metrics: ProxyMetrics,
        init_statements: tuple[str, ...] = (),
    ) -> None:
        self._open = opener
        self.max_connections = max_connections
        self._metrics = metrics
        self._init_statements = init_statements
        self._idle: dict[PoolKey, list[BackendConnection]] = collections.defaultdict(list)
        self._waiters: collections.deque[tuple[PoolKey, asyncio.Future[BackendConnection | _Slot]]] = (
            collections.deque()
        )
        self.open_count = 0  # backends open or being opened, idle or lent
        self.borrowed_count = 0
        self._closed = False

    # -- lending ----------------------------------------------------------------------------------

    async def borrow(self, key: PoolKey, state: SessionState, timeout: float) -> BackendConnection:
        """Lend a backend whose session state has been made equal to ``state``; BorrowTimeout if none."""
        started = time.monotonic()
        deadline = started + timeout
        while True:
            backend = await self._acquire(key, state, deadline)
            try:
                await self._synchronise(backend, state)
            except BackendRefused:
                self._return_idle(backend)  # e.g. unknown database: the backend itself is fine
                raise
            except (BackendError, OSError, asyncio.IncompleteReadError, p.ProtocolError) as error:
                log.warning("closing backend #%d that failed while being prepared: %r", backend.number, error)
                self._close(backend)
                continue
            self.borrowed_count += 1
            self._metrics.record_borrow((time.monotonic() - started) * 1e6)
            return backend

    def give_back(self, backend: BackendConnection) -> None:
        """Return a lent backend once the client's transaction (or autocommit statement) is over."""
        self.borrowed_count -= 1
        self._return_idle(backend)

    def throw_away(self, backend: BackendConnection) -> None:
        """Close a lent backend whose session is dirty or unknown (client gone mid-transaction, pinned...)."""
        self.borrowed_count -= 1
        self._close(backend)

    # -- acquiring --------------------------------------------------------------------------------

    async def _acquire(self, key: PoolKey, state: SessionState, deadline: float) -> BackendConnection:
        while True:
            if self._closed:
                raise BackendError("the proxy is shutting down")
            backend = self._take_idle(key, state)
            if backend is not None:
                return backend
            if not self._has_live_waiter():  # never overtake a client that is already waiting
                if self.open_count < self.max_connections:
                    self.open_count += 1
                    self._metrics.observe_database_connections(self.open_count)
                    return await self._open_new(key, deadline)
                if self._evict_idle():
                    return await self._open_new(key, deadline)
            granted = await self._wait(key, deadline)
            if isinstance(granted, _Slot):
                return await self._open_new(key, deadline)
            if granted.usable:
                return granted
            self._close(granted)

    def _take_idle(self, key: PoolKey, state: SessionState) -> BackendConnection | None:
        idle = self._idle.get(key)
        while idle:
            # Cheapest to synchronise first; among equals the most recently returned, which also makes
            # "return it and borrow again" deterministic for tests.
            best = min(reversed(range(len(idle))), key=lambda i: plan_sync(idle[i].state, state).cost)
            backend = idle.pop(best)
            if backend.usable:
                return backend
            self._close(backend)
        return None

    def _evict_idle(self) -> bool:
        """At the limit, close an idle backend of another key and reuse its room; True if there was one."""
        for idle in self._idle.values():
            if idle:
                idle.pop(0).close()
                self._metrics.database_connections_closed += 1
                return True
        return False

    async def _open_new(self, key: PoolKey, deadline: float) -> BackendConnection:
        """Open a backend in room already counted in open_count; hands the room on if that fails."""
        while True:
            self._metrics.database_connection_requests += 1
            try:
                backend = await self._open(key)
                backend.pool_key = key
                for statement in self._init_statements:
                    await backend.run_checked(wire.COM_QUERY, statement.encode())
            except BackendRefused:
                self._metrics.database_connections_setup_failed += 1
                self._room_freed()
                raise
            except (BackendError, OSError, asyncio.IncompleteReadError, p.ProtocolError) as error:
                self._metrics.database_connections_setup_failed += 1
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._room_freed()
                    raise BorrowTimeout(str(error)) from error
                log.warning("database connection failed, retrying: %s", error)
                # The last retry falls on the deadline itself, so the 9501 comes when the timeout is up.
                await asyncio.sleep(min(CONNECT_RETRY_SECONDS, remaining))
                continue
            self._metrics.database_connections_setup_succeeded += 1
            return backend

    async def _wait(self, key: PoolKey, deadline: float) -> BackendConnection | _Slot:
        future: asyncio.Future[BackendConnection | _Slot] = asyncio.get_running_loop().create_future()
        entry = (key, future)
        self._waiters.append(entry)
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                return await future
        except BaseException as error:  # timeout, or the client went away while waiting
            if entry in self._waiters:
                self._waiters.remove(entry)
            if future.done() and not future.cancelled() and future.exception() is None:
                self._pass_on(future.result())  # granted in the very instant the wait ended
            if isinstance(error, TimeoutError):
                raise BorrowTimeout from None
            raise

    async def _synchronise(self, backend: BackendConnection, state: SessionState) -> None:
        plan = plan_sync(backend.state, state)
        if plan.reset:
            await backend.run_checked(wire.COM_RESET_CONNECTION)
            backend.state.reset()
            self._metrics.backend_resets += 1
            for statement in self._init_statements:  # a reset also undoes the InitQuery
                await backend.run_checked(wire.COM_QUERY, statement.encode())
        if plan.init_db is not None:
            await backend.run_checked(wire.COM_INIT_DB, plan.init_db.encode())
            backend.state.schema = plan.init_db
        for statement in plan.statements:
            await backend.run_checked(wire.COM_QUERY, statement.encode())
            self._metrics.replayed_statements += 1
        backend.state.tracked = dict(state.tracked)

    # -- returning --------------------------------------------------------------------------------

    def _return_idle(self, backend: BackendConnection) -> None:
        if self._closed or not backend.usable or backend.in_transaction:
            self._close(backend)
            return
        key = backend.pool_key
        assert key is not None, "a backend is keyed when the pool opens it"
        for entry in self._waiters:
            waiter_key, future = entry
            if waiter_key == key and not future.done():
                self._waiters.remove(entry)
                future.set_result(backend)
                return
        if self._has_live_waiter():
            # Someone waits for another key: close this one so that they can open theirs.
            backend.close()
            self._metrics.database_connections_closed += 1
            self._grant_room()
            return
        self._idle[key].append(backend)

    def _close(self, backend: BackendConnection) -> None:
        backend.close()
        self._metrics.database_connections_closed += 1
        self._room_freed()

    def _room_freed(self) -> None:
        if self._has_live_waiter():
            self._grant_room()
        else:
            self.open_count -= 1

    def _grant_room(self) -> None:
        """Give the room of a closed backend to the oldest live waiter (or free it if none is left)."""
        while self._waiters:
            _, future = self._waiters.popleft()
            if not future.done():
                future.set_result(_SLOT)
                return
        self.open_count -= 1

    def _pass_on(self, granted: BackendConnection | _Slot) -> None:
        if isinstance(granted, _Slot):
            self._room_freed()
        else:
            self._return_idle(granted)

    def _has_live_waiter(self) -> bool:
        return any(not future.done() for _, future in self._waiters)

    # -- administration ---------------------------------------------------------------------------

    @property
    def waiting_count(self) -> int:
        return sum(not future.done() for _, future in self._waiters)

    @property
    def idle_count(self) -> int:
        return sum(len(idle) for idle in self._idle.values())

    def set_max_connections(self, value: int) -> None:
        """Change the limit at run time; new room goes to waiters at once."""
        self.max_connections = value
        while self.open_count < value and self._has_live_waiter():
            self.open_count += 1
            self._grant_room()

    def close(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for backend in idle:
                backend.close()
        self._idle.clear()
        for _, future in self._waiters:
            if not future.done():
                future.set_exception(BackendError("the proxy is shutting down"))
