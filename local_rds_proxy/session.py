"""One logged-in client: its command loop, borrowing a backend per transaction, pinning, idle timeout."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from local_rds_proxy import packets as p
from local_rds_proxy import wire
from local_rds_proxy.backend import BackendConnection, BackendError, BackendRefused
from local_rds_proxy.config import ProxyConfig
from local_rds_proxy.metrics import ProxyMetrics
from local_rds_proxy.pool import BackendPool, BorrowTimeout, PoolKey
from local_rds_proxy.response_framing import NO_RESPONSE_COMMANDS, ResponseTracker, Step
from local_rds_proxy.session_state import SessionState
from local_rds_proxy.sql_classifier import PinReason, QueryClassification, StatementEffects, classify_query

log = logging.getLogger(__name__)

# Flush relayed rows to the client in chunks this big rather than one TLS record per row.
CLIENT_WRITE_CHUNK = 64 * 1024
# Commands relayed to a backend; anything else is refused locally.
RELAYED_COMMANDS = frozenset(
    {
        wire.COM_INIT_DB,
        wire.COM_QUERY,
        wire.COM_FIELD_LIST,
        wire.COM_STATISTICS,
        wire.COM_PING,
        wire.COM_STMT_PREPARE,
        wire.COM_STMT_EXECUTE,
        wire.COM_STMT_SEND_LONG_DATA,
        wire.COM_STMT_CLOSE,
        wire.COM_STMT_RESET,
        wire.COM_SET_OPTION,
        wire.COM_STMT_FETCH,
    }
)


class SessionEnded(Exception):
    """The client or its backend went away; the session is over."""


@dataclass
class SessionServices:
    """What every client session shares: settings (mutable at run time), the pool and the metrics."""

    config: ProxyConfig
    pool: BackendPool
    metrics: ProxyMetrics


class ClientSession:
    def __init__(
        self,
        services: SessionServices,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        key: PoolKey,
        capabilities: int,
        schema: str | None,
        label: str,
    ) -> None:
        self._services = services
        self._reader = reader
        self._writer = writer
        self.key = key
        self.capabilities = capabilities
        self.state = SessionState(schema=schema)
        self.backend: BackendConnection | None = None
        self.pin_reason: PinReason | None = None
        self.label = label

    @property
    def pinned(self) -> bool:
        return self.pin_reason is not None and self.backend is not None

    # -- login ------------------------------------------------------------------------------------

    async def check_backend(self) -> wire.ErrPacket | None:
        """Borrow once at login, so a wrong database name or stored password fails the login itself."""
        try:
            backend = await self._borrow()
        except BorrowTimeout:
            return wire.BORROW_TIMEOUT
        except BackendRefused as refused:
            return refused.error
        self._services.pool.give_back(backend)
        return None

    # -- command loop -----------------------------------------------------------------------------

    async def serve(self) -> None:
        """Relay commands until the client quits, goes away or stays idle too long."""
        try:
            while True:
                try:
                    async with asyncio.timeout(self._services.config.idle_client_timeout_seconds):
                        payload, raw, _ = await p.read_message(self._reader)
                except TimeoutError:
                    self._services.metrics.idle_client_timeouts += 1
                    log.info("%s: closing idle client connection", self.label)
                    return
                if not payload or payload[0] == wire.COM_QUIT:
                    return
                await self._handle(payload[0], payload, raw)
        except (asyncio.IncompleteReadError, ConnectionError, SessionEnded, BackendError):
            return
        finally:
            self._end()

    async def _handle(self, command: int, payload: bytes, raw: bytes) -> None:
        if command == wire.COM_PING and self.backend is None:
            await self._send(p.ok_payload(wire.SERVER_STATUS_AUTOCOMMIT, self.capabilities))
        elif command == wire.COM_RESET_CONNECTION:
            await self._reset()
        elif command not in RELAYED_COMMANDS:
            await self._send(wire.unsupported_command(command).payload())
        elif command in (wire.COM_STMT_CLOSE, wire.COM_STMT_SEND_LONG_DATA) and self.backend is None:
            return  # no statement can exist on an unpinned session, and these get no answer
        else:
            await self._relay_command(command, payload, raw)

    async def _relay_command(self, command: int, payload: bytes, raw: bytes) -> None:
        classification = _classify(command, payload)
        if command in (wire.COM_QUERY, wire.COM_STMT_EXECUTE):
            self._services.metrics.query_requests += 1
        if self.backend is None:
            try:
                self.backend = await self._borrow()
            except BorrowTimeout:
                self._services.metrics.borrow_timeouts += 1
                await self._send(wire.BORROW_TIMEOUT.payload())
                return
            except BackendRefused as refused:  # e.g. the current schema was dropped meanwhile
                await self._send(refused.error.payload())
                return
        if classification.pin_reason is not None and self.pin_reason is None:
            self._pin(classification.pin_reason, payload)
        backend = self.backend
        tracker = await self._relay(backend, command, raw)
        if tracker is not None:
            self._apply_effects(command, payload, classification, tracker)
        if not self.pinned and not backend.in_transaction:
            self.backend = None
            self._services.pool.give_back(backend)

    async def _relay(self, backend: BackendConnection, command: int, raw: bytes) -> ResponseTracker | None:
        """Forward one command and its whole response; a failure half-way makes the backend unusable."""
        try:
            backend.writer.write(raw)
            if command in NO_RESPONSE_COMMANDS:
                return None
            tracker = ResponseTracker(command, backend.capabilities, backend.status)
            pending = bytearray()
            while True:
                payload, response_raw, _ = await p.read_message(backend.reader)
                pending += response_raw
                step = tracker.feed(payload)
                if step is Step.DONE:
                    break
                if step is Step.SEND_LOCAL_FILE:
                    await self._flush(pending)
                    await self._relay_local_file(backend)
                elif len(pending) >= CLIENT_WRITE_CHUNK:
                    await self._flush(pending)
            await self._flush(pending)
        except (asyncio.IncompleteReadError, ConnectionError, OSError, p.ProtocolError) as error:
            log.info("%s: connection broke during a command (%r); closing its backend", self.label, error)
            self._drop_backend()
            raise SessionEnded from error
        backend.status = tracker.status
        return tracker

    async def _relay_local_file(self, backend: BackendConnection) -> None:
        """LOAD DATA LOCAL: pass the client's file packets to the backend up to the empty one."""
        while True:
            payload, raw, _ = await p.read_message(self._reader)
            backend.writer.write(raw)
            await backend.writer.drain()  # a large file must not pile up in memory
            if not payload:
                return

    def _apply_effects(
        self, command: int, payload: bytes, classification: QueryClassification, tracker: ResponseTracker
    ) -> None:
        """Record tracked changes made by the statements that succeeded, on the client and its backend."""
        assert self.backend is not None
        if command == wire.COM_INIT_DB:
            effects: tuple[StatementEffects, ...] = (StatementEffects(use_schema=payload[1:].decode()),)
            succeeded = 0 if tracker.error else 1
        else:
            effects = classification.statements
            succeeded = tracker.results_completed if tracker.error else len(effects)
        for effect in effects[:succeeded]:
            for state in (self.state, self.backend.state):
                for change in effect.tracked:
                    state.apply(change)
                if effect.use_schema is not None:
                    state.schema = effect.use_schema
                if effect.dropped_schema is not None and effect.dropped_schema == state.schema:
                    state.schema = None

    # -- pool interaction -------------------------------------------------------------------------

    async def _borrow(self) -> BackendConnection:
        services = self._services
        return await services.pool.borrow(self.key, self.state, services.config.borrow_timeout_seconds)

    def _pin(self, reason: PinReason, payload: bytes) -> None:
        self.pin_reason = reason
        self._services.metrics.record_pin(reason)
        assert self.backend is not None
        # The shape of RDS Proxy's own log line, so that searching logs works the same way.
        log.info(
            "%s: the client session was pinned to the database connection [dbConnection=%d]. Reason: %s. "
            "Digest: %r",
            self.label,
            self.backend.thread_id,
            reason.value,
            payload[1:200].decode("utf-8", "replace"),
        )

    async def _reset(self) -> None:
        """COM_RESET_CONNECTION: forget tracked state; a pinned or in-transaction backend is closed."""
        self._drop_backend()
        self.pin_reason = None
        self.state.reset()
        await self._send(p.ok_payload(wire.SERVER_STATUS_AUTOCOMMIT, self.capabilities))

    def _drop_backend(self) -> None:
        """Close (never return) a backend whose session the client may have left dirty."""
        if self.backend is not None:
            backend, self.backend = self.backend, None
            self._services.metrics.dirty_backends_closed += 1
            self._services.pool.throw_away(backend)

    def _end(self) -> None:
        if self.backend is not None and not self.pinned and not self.backend.in_transaction:
            backend, self.backend = self.backend, None
            self._services.pool.give_back(backend)
        self._drop_backend()  # pinned, or the client vanished mid-transaction
        self.pin_reason = None

    # -- client I/O -------------------------------------------------------------------------------

    async def _send(self, payload: bytes) -> None:
        """Answer a command locally (sequence id 1, the first of a response)."""
        self._writer.write(p.frame(payload, 1))
        await self._writer.drain()

    async def _flush(self, pending: bytearray) -> None:
        if pending:
            self._writer.write(bytes(pending))
            pending.clear()
            await self._writer.drain()


def _classify(command: int, payload: bytes) -> QueryClassification:
    if command == wire.COM_QUERY:
        return classify_query(payload[1:])
    if command == wire.COM_STMT_PREPARE:
        return QueryClassification(PinReason.PREPARED_STATEMENT)
    if command == wire.COM_SET_OPTION:
        return QueryClassification(PinReason.SET_OPTION)
    return QueryClassification(None)
