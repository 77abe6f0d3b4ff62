"""Connections from the stand-in to the real database, logged in with the user's stored password."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import struct
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from local_rds_proxy import packets as p
from local_rds_proxy import wire
from local_rds_proxy.response_framing import ResponseTracker, Step
from local_rds_proxy.session_state import SessionState

if TYPE_CHECKING:  # the pool imports this module
    from local_rds_proxy.pool import PoolKey

# What the backend may be asked for. SSL/COMPRESS/QUERY_ATTRIBUTES and the like are never requested:
# the relay forwards packets unchanged and does not understand the formats they switch on.
BACKEND_BASE_CAPABILITIES = (
    wire.CLIENT_LONG_PASSWORD
    | wire.CLIENT_LONG_FLAG
    | wire.CLIENT_PROTOCOL_41
    | wire.CLIENT_TRANSACTIONS
    | wire.CLIENT_SECURE_CONNECTION
    | wire.CLIENT_PLUGIN_AUTH
    | wire.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
)
_connection_numbers = itertools.count(1)


class BackendError(Exception):
    """The backend could not be reached or broke the protocol."""


class BackendRefused(BackendError):
    """The backend answered with an ERR packet (bad password, unknown database, ...)."""

    def __init__(self, error: wire.ErrPacket) -> None:
        super().__init__(f"backend refused: ({error.code}) {error.message}")
        self.error = error


@dataclass(frozen=True)
class ServerGreeting:
    """The fields of a HandshakeV10 the stand-in uses."""

    version: str
    connection_id: int
    capabilities: int
    charset: int
    status: int
    salt: bytes
    auth_plugin: str


def parse_greeting(payload: bytes) -> ServerGreeting:
    if not payload or payload[0] == wire.ERR_HEADER:
        raise BackendRefused(wire.ErrPacket.parse(payload) if payload else wire.EMPTY_GREETING)
    if payload[0] != wire.HANDSHAKE_V10:
        raise p.ProtocolError(f"unsupported handshake protocol version {payload[0]}")
    version, offset = p.read_nul_terminated(payload, 1)
    connection_id = struct.unpack_from("<I", payload, offset)[0]
    salt = payload[offset + 4 : offset + 12]
    offset += 13
    caps_low, charset, status, caps_high, auth_length = struct.unpack_from("<HBHHB", payload, offset)
    offset += 8 + 10
    salt += payload[offset : offset + max(13, auth_length - 8) - 1]
    offset += max(13, auth_length - 8)
    plugin, _ = p.read_nul_terminated(payload + b"\x00", offset)
    return ServerGreeting(
        version=version.decode(),
        connection_id=connection_id,
        capabilities=caps_low | caps_high << 16,
        charset=charset,
        status=status,
        salt=salt,
        auth_plugin=plugin.decode() or wire.NATIVE_PASSWORD_PLUGIN,
    )


def scramble_native_password(password: bytes, salt: bytes) -> bytes:
    """mysql_native_password: SHA1(password) XOR SHA1(salt + SHA1(SHA1(password)))."""
    if not password:
        return b""
    stage1 = hashlib.sha1(password).digest()  # noqa: S324 -- the protocol is defined with SHA-1
    stage2 = hashlib.sha1(stage1).digest()  # noqa: S324
    mask = hashlib.sha1(salt[:20] + stage2).digest()  # noqa: S324
    return bytes(a ^ b for a, b in zip(stage1, mask, strict=True))


def scramble_caching_sha2_password(password: bytes, salt: bytes) -> bytes:
    """caching_sha2_password fast path: SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + salt)."""
    if not password:
        return b""
    stage1 = hashlib.sha256(password).digest()
    stage2 = hashlib.sha256(stage1).digest()
    mask = hashlib.sha256(stage2 + salt[:20]).digest()
    return bytes(a ^ b for a, b in zip(stage1, mask, strict=True))


_SCRAMBLERS = {
    wire.NATIVE_PASSWORD_PLUGIN: scramble_native_password,
    wire.CACHING_SHA2_PASSWORD_PLUGIN: scramble_caching_sha2_password,
}


class BackendConnection:
    """One logged-in backend session, owned by the pool and lent to one client at a time."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        greeting: ServerGreeting,
        capabilities: int,
        schema: str | None,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.greeting = greeting
        self.capabilities = capabilities
        self.thread_id = greeting.connection_id
        self.number = next(_connection_numbers)
        self.state = SessionState(schema=schema)
        self.status = wire.SERVER_STATUS_AUTOCOMMIT
        self.created_at = time.monotonic()
        self.closed = False
        self.pool_key: PoolKey | None = None  # set by the pool that owns it

    @property
    def in_transaction(self) -> bool:
        return bool(self.status & wire.SERVER_STATUS_IN_TRANS)

    @property
    def usable(self) -> bool:
        """False once the server has hung up (e.g. its wait_timeout closed an idle pooled session)."""
        return not (self.closed or self.reader.at_eof() or self.writer.is_closing())

    async def run(self, command: int, argument: bytes = b"") -> ResponseTracker:
        """Send one command of the proxy's own and read its whole response (not forwarded anywhere)."""
        self.writer.write(p.frame(bytes([command]) + argument, 0))
        tracker = ResponseTracker(command, self.capabilities, self.status)
        while True:
            payload, _, _ = await p.read_message(self.reader)
            if tracker.feed(payload) is Step.DONE:
                break
        self.status = tracker.status
        return tracker

    async def run_checked(self, command: int, argument: bytes = b"") -> None:
        """Like run(), but an ERR from the backend raises BackendRefused."""
        tracker = await self.run(command, argument)
        if tracker.error is not None:
            raise BackendRefused(tracker.error)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if not self.writer.is_closing():
                # COM_QUIT first so the server logs a clean disconnect rather than an aborted one.
                self.writer.write(p.frame(bytes([wire.COM_QUIT]), 0))
            self.writer.close()


async def read_greeting(reader: asyncio.StreamReader) -> ServerGreeting:
    packet = await p.read_packet(reader)
    return parse_greeting(packet.payload)


async def probe_greeting(host: str, port: int, timeout: float) -> ServerGreeting:
    """Connect, read the server's greeting and hang up (to mirror its version string to clients)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        return await asyncio.wait_for(read_greeting(reader), timeout)
    finally:
        writer.close()


async def open_backend(
    host: str,
    port: int,
    user: str,
    password: str,
    charset: int,
    capabilities: int,
    schema: str | None = None,
    timeout: float = 10.0,
) -> BackendConnection:
    """Connect and log in, asking for the client-visible ``capabilities`` the server also has."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError) as error:
        raise BackendError(f"cannot connect to the database at {host}:{port}: {error}") from error
    try:
        greeting = await asyncio.wait_for(read_greeting(reader), timeout)
        wanted = BACKEND_BASE_CAPABILITIES | capabilities | (wire.CLIENT_CONNECT_WITH_DB if schema else 0)
        negotiated = wanted & greeting.capabilities | wire.CLIENT_LONG_PASSWORD
        await asyncio.wait_for(
            _log_in(reader, writer, greeting, negotiated, user, password.encode(), charset, schema), timeout
        )
    except (OSError, TimeoutError, asyncio.IncompleteReadError, p.ProtocolError) as error:
        writer.close()
        raise BackendError(f"database login at {host}:{port} failed: {error!r}") from error
    except BackendRefused:
        writer.close()
        raise
    return BackendConnection(reader, writer, greeting, negotiated, schema)


async def _log_in(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    greeting: ServerGreeting,
    capabilities: int,
    user: str,
    password: bytes,
    charset: int,
    schema: str | None,
) -> None:
    plugin = greeting.auth_plugin if greeting.auth_plugin in _SCRAMBLERS else wire.NATIVE_PASSWORD_PLUGIN
    auth = _SCRAMBLERS[plugin](password, greeting.salt)
    response = struct.pack("<IIB", capabilities, wire.MAX_PAYLOAD, charset) + b"\x00" * 23
    response += user.encode() + b"\x00" + p.lenenc_bytes(auth)
    if schema:
        response += schema.encode() + b"\x00"
    response += plugin.encode() + b"\x00"
    writer.write(p.frame(response, 1))
    while True:
        packet = await p.read_packet(reader)
        header = packet.payload[0] if packet.payload else None
        if header == wire.OK_HEADER:
            return
        if header == wire.ERR_HEADER:
            raise BackendRefused(wire.ErrPacket.parse(packet.payload))
        if header == wire.AUTH_SWITCH_HEADER:  # plugin name, then fresh salt
            name, offset = p.read_nul_terminated(packet.payload, 1)
            plugin = name.decode()
            if plugin not in _SCRAMBLERS:
                raise BackendError(f"backend asks for unsupported auth plugin {plugin!r}")
            auth = _SCRAMBLERS[plugin](password, packet.payload[offset:].rstrip(b"\x00"))
            writer.write(p.frame(auth, packet.sequence_id + 1))
        elif header == wire.AUTH_MORE_DATA_HEADER and plugin == wire.CACHING_SHA2_PASSWORD_PLUGIN:
            if packet.payload[1:2] == bytes([wire.CACHING_SHA2_FAST_AUTH_SUCCESS]):  # the OK follows
                continue
            raise BackendError(
                "caching_sha2_password full authentication (needs TLS or RSA) is not implemented; "
                "log in once with the mysql client so the server caches the password, or use "
                "mysql_native_password for this user"
            )
        else:
            raise p.ProtocolError(f"unexpected packet 0x{packet.payload[:1].hex()} during backend login")
