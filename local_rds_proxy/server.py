"""The stand-in as a whole: accepts clients, logs them in with IAM tokens, and serves them from the pool."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import socket
import ssl
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from local_rds_proxy import packets as p
from local_rds_proxy import wire
from local_rds_proxy.backend import (
    BackendConnection,
    BackendError,
    ServerGreeting,
    open_backend,
    probe_greeting,
)
from local_rds_proxy.config import ProxyConfig
from local_rds_proxy.handshake import ClientGone, ClientLogin, TlsRequired, negotiate, send_tls_required
from local_rds_proxy.iam_token import AuthFailure, TokenRejected, TokenVerifier
from local_rds_proxy.metrics import ProxyMetrics
from local_rds_proxy.pool import BackendPool, PoolKey
from local_rds_proxy.session import ClientSession, SessionServices
from local_rds_proxy.sql_classifier import split_sql
from local_rds_proxy.stats_endpoint import start_stats_endpoint

log = logging.getLogger("local_rds_proxy")
_T = TypeVar("_T")

# Time a client gets to finish TLS and the login exchange.
LOGIN_TIMEOUT_SECONDS = 10.0
LISTEN_BACKLOG = 1024


class ProxyServer:
    """Build from a ProxyConfig; run with ``start_in_thread()`` (tests) or ``run()`` (the CLI)."""

    def __init__(self, config: ProxyConfig) -> None:
        self.config = config
        self.metrics = ProxyMetrics()
        self._ssl_context = server_ssl_context(config)
        init_statements = tuple(split_sql(config.init_query)) if config.init_query else ()
        self.pool = BackendPool(self._open_backend, config.max_connections, self.metrics, init_statements)
        self._services = SessionServices(config, self.pool, self.metrics)
        self._verifier: TokenVerifier | None = None
        self._authorizer = config.connect_authorizer()
        self._greeting: ServerGreeting | None = None
        self._greeting_lock = asyncio.Lock()
        self._listener: socket.socket | None = None
        self._stats_server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._sessions: set[ClientSession] = set()
        self._client_connections = 0
        self._connection_ids = itertools.count(1)
        self.port = 0
        self.stats_port: int | None = None

    # -- life cycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen for clients (and for GET /stats when configured); returns once listening."""
        config = self.config
        self._listener = socket.create_server(
            (config.listen_host, config.listen_port), backlog=LISTEN_BACKLOG
        )
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self._verifier = TokenVerifier(
            config.credentials, config.region, config.accepted_endpoints(self.port)
        )
        self._spawn(self._accept_loop())
        if config.stats_port is not None:
            self._stats_server = await start_stats_endpoint(config.stats_host, config.stats_port, self.stats)
            self.stats_port = self._stats_server.sockets[0].getsockname()[1]
        if config.stats_log_interval_seconds > 0:
            self._spawn(self._log_stats_periodically(config.stats_log_interval_seconds))
        log.info(
            "listening on %s:%d for %s (backend %s:%d, pool max %d)%s",
            config.listen_host,
            self.port,
            ", ".join(config.accepted_endpoints(self.port)),
            config.backend_host,
            config.backend_port,
            config.max_connections,
            f", stats on http://{config.stats_host}:{self.stats_port}/stats" if self.stats_port else "",
        )

    async def stop(self) -> None:
        """Stop listening, drop every client, close every backend."""
        if self._listener is not None:
            self._listener.close()
        if self._stats_server is not None:
            self._stats_server.close()
        tasks = [task for task in self._tasks if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.pool.close()
        log.info("stopped; final stats: %s", json.dumps(self.stats()))

    async def run(self, on_ready: Callable[[], None] | None = None) -> None:
        """Serve until cancelled (the CLI); ``on_ready`` is called once listening."""
        await self.start()
        try:
            if on_ready is not None:
                on_ready()
            await asyncio.Event().wait()
        finally:
            await self.stop()

    def start_in_thread(self) -> RunningProxy:
        """Run the proxy on its own event loop in a daemon thread of this process."""
        return RunningProxy(self)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- metrics ----------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Every metric as a JSON-ready dict (call on the proxy's loop, or via RunningProxy.stats)."""
        return self.metrics.snapshot(self._gauges)

    def _gauges(self) -> dict[str, int]:
        sessions = list(self._sessions)
        return {
            "ClientConnections": self._client_connections,
            "DatabaseConnections": self.pool.open_count,
            "DatabaseConnectionsCurrentlyBorrowed": self.pool.borrowed_count,
            "DatabaseConnectionsCurrentlySessionPinned": sum(session.pinned for session in sessions),
            "DatabaseConnectionsCurrentlyInTransaction": sum(
                session.backend is not None and session.backend.in_transaction for session in sessions
            ),
            "MaxDatabaseConnectionsAllowed": self.pool.max_connections,
            "idle_database_connections": self.pool.idle_count,
            "clients_waiting_for_connection": self.pool.waiting_count,
        }

    async def _log_stats_periodically(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            log.info("stats: %s", json.dumps(self.stats()))

    # -- clients ----------------------------------------------------------------------------------

    async def _accept_loop(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._listener is not None
        while True:
            client, _ = await loop.sock_accept(self._listener)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._spawn(self._serve_client(client))

    async def _serve_client(self, sock: socket.socket) -> None:
        connection_id = next(self._connection_ids)
        label = f"client #{connection_id}"
        self.metrics.client_connections_received += 1
        self._client_connections += 1
        login: ClientLogin | None = None
        try:
            async with asyncio.timeout(LOGIN_TIMEOUT_SECONDS):
                greeting = await self._backend_greeting(sock)
                if greeting is None:
                    return
                login = await negotiate(
                    sock, self._ssl_context, greeting, connection_id, LOGIN_TIMEOUT_SECONDS
                )
                self.metrics.client_connections_tls += 1
                session = await self._log_in(login, label)
            if session is not None:
                self._sessions.add(session)
                try:
                    await session.serve()
                finally:
                    self._sessions.discard(session)
        except TlsRequired as refusal:
            self.metrics.client_connections_no_tls += 1
            log.info("%s: refused, no TLS (error 3159)", label)
            with contextlib.suppress(OSError):  # the client may already have gone
                await send_tls_required(sock, refusal)
        except (
            ClientGone,
            TimeoutError,
            ssl.SSLError,
            OSError,
            asyncio.IncompleteReadError,
            p.ProtocolError,
            BackendError,
        ) as error:
            log.info("%s: connection ended: %r", label, error)
        finally:
            self._client_connections -= 1
            self.metrics.client_connections_closed += 1
            if login is not None:
                login.writer.close()
            else:
                sock.close()

    async def _backend_greeting(self, sock: socket.socket) -> ServerGreeting | None:
        """The backend's greeting (fetched once), or None after telling the client the backend is down."""
        async with self._greeting_lock:  # one probe, however many clients arrive at once
            if self._greeting is None:
                self._greeting = await self._probe_backend(sock)
        return self._greeting

    async def _probe_backend(self, sock: socket.socket) -> ServerGreeting | None:
        config = self.config
        try:
            return await probe_greeting(
                config.backend_host, config.backend_port, config.backend_connect_timeout_seconds
            )
        except (OSError, TimeoutError, BackendError, p.ProtocolError) as error:
            where = f"{config.backend_host}:{config.backend_port}"
            log.warning("cannot reach the database at %s: %r", where, error)
            # What RDS Proxy answers when no database is available (see wire.BORROW_TIMEOUT).
            payload = wire.BORROW_TIMEOUT.with_detail(
                f"cannot reach the database at {where}"
            ).greeting_payload()
            await asyncio.get_running_loop().sock_sendall(sock, p.frame(payload, 0))
            return None

    async def _log_in(self, login: ClientLogin, label: str) -> ClientSession | None:
        """Check the token, then borrow once; answer the client with OK or ERR."""
        user = login.response.user
        assert self._verifier is not None
        try:
            if user not in self.config.secrets:
                raise TokenRejected(AuthFailure.NO_SECRET, f"no secret is configured for user {user!r}")
            verified = self._verifier.verify(login.password, user)
            self._authorizer.check(verified.access_key_id, user)
        except TokenRejected as rejected:
            self.metrics.record_auth_failure(rejected.check)
            log.warning("%s: access denied for %r: %s", label, user, rejected)
            await self._answer(login, wire.access_denied(user, str(rejected)).payload())
            return None
        self.metrics.tokens_verified += 1
        key = PoolKey.for_client(user, login.response.charset, login.capabilities)
        session = ClientSession(
            self._services,
            login.reader,
            login.writer,
            key,
            login.capabilities,
            login.response.database,
            label,
        )
        error = await session.check_backend()
        if error is not None:
            log.warning("%s: login failed at the database: %s", label, error)
            await self._answer(login, error.payload())
            return None
        self.metrics.client_connections_setup_succeeded += 1
        await self._answer(login, p.ok_payload(wire.SERVER_STATUS_AUTOCOMMIT, login.capabilities))
        return session

    @staticmethod
    async def _answer(login: ClientLogin, payload: bytes) -> None:
        login.writer.write(p.frame(payload, login.next_sequence_id))
        await login.writer.drain()

    async def _open_backend(self, key: PoolKey) -> BackendConnection:
        config = self.config
        return await open_backend(
            config.backend_host,
            config.backend_port,
            key.user,
            config.secrets[key.user],
            key.charset,
            key.capabilities,
            timeout=config.backend_connect_timeout_seconds,
        )

    # -- run-time settings ------------------------------------------------------------------------

    def update(
        self,
        max_connections: int | None = None,
        borrow_timeout_seconds: float | None = None,
        idle_client_timeout_seconds: float | None = None,
    ) -> None:
        """Change pool settings on the fly (like modifying the proxy's target group); call on the loop."""
        if max_connections is not None:
            self.config.max_connections = max_connections
            self.pool.set_max_connections(max_connections)
        if borrow_timeout_seconds is not None:
            self.config.borrow_timeout_seconds = borrow_timeout_seconds
        if idle_client_timeout_seconds is not None:
            # Applies from each client's next wait for a command.
            self.config.idle_client_timeout_seconds = idle_client_timeout_seconds


def server_ssl_context(config: ProxyConfig) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(config.tls_cert, config.tls_key)
    except (OSError, ssl.SSLError) as error:
        raise ValueError(
            f"cannot load the TLS certificate {config.tls_cert} / key {config.tls_key}: {error}"
        ) from error
    return context


class RunningProxy:
    """A ProxyServer running on its own event loop in a daemon thread; a context manager."""

    def __init__(self, server: ProxyServer, startup_timeout: float = 30.0) -> None:
        self.server = server
        self._loop = asyncio.new_event_loop()
        self._final_stats: dict[str, Any] | None = None
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(server.start())
            except BaseException as error:  # reported to the starting thread below
                failure.append(error)
                return
            finally:
                started.set()
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=run, name="local_rds_proxy", daemon=True)
        self._thread.start()
        if not started.wait(startup_timeout):
            raise TimeoutError("local_rds_proxy did not start")
        if failure:
            raise failure[0]

    @property
    def host(self) -> str:
        return self.server.config.listen_host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def stats_port(self) -> int | None:
        return self.server.stats_port

    def stats(self) -> dict[str, Any]:
        """A consistent snapshot of every metric, taken on the proxy's loop (the last one once stopped)."""
        if self._final_stats is not None:
            return self._final_stats
        return self._call(self.server.stats)

    def update(self, **settings: Any) -> None:
        """Change max_connections / borrow_timeout_seconds / idle_client_timeout_seconds while running."""
        self._call(lambda: self.server.update(**settings))

    def stop(self) -> None:
        """Stop the proxy and its thread; stats() keeps answering with the final figures."""
        if self._final_stats is not None:
            return
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(30)
        self._final_stats = self._call(self.server.stats)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)

    def _call(self, function: Callable[[], _T]) -> _T:
        async def call() -> _T:
            return function()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(10)

    def __enter__(self) -> RunningProxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
