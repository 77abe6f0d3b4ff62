"""The client side of the connection phase: greeting, mandatory TLS, then a switch to mysql_clear_password.

The exchange before TLS is done on the raw socket with exact-size reads (4-byte header, then exactly
the payload). A client sends its TLS ClientHello right behind the SSLRequest without waiting, so any
buffered reader would swallow the first TLS bytes and the TLS handshake would hang; after the
SSLRequest the socket is handed, untouched, to asyncio's TLS transport.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import ssl
import struct
from dataclasses import dataclass, field

from local_rds_proxy import packets as p
from local_rds_proxy import wire
from local_rds_proxy.backend import ServerGreeting

# What the relay understands and so may offer to clients. Never COMPRESS, QUERY_ATTRIBUTES (changes
# the COM_QUERY layout), OPTIONAL_RESULTSET_METADATA or MariaDB's extended capabilities.
RELAY_CAPABILITIES = (
    wire.CLIENT_LONG_PASSWORD
    | wire.CLIENT_FOUND_ROWS
    | wire.CLIENT_LONG_FLAG
    | wire.CLIENT_CONNECT_WITH_DB
    | wire.CLIENT_NO_SCHEMA
    | wire.CLIENT_ODBC
    | wire.CLIENT_LOCAL_FILES
    | wire.CLIENT_IGNORE_SPACE
    | wire.CLIENT_PROTOCOL_41
    | wire.CLIENT_INTERACTIVE
    | wire.CLIENT_IGNORE_SIGPIPE
    | wire.CLIENT_TRANSACTIONS
    | wire.CLIENT_RESERVED
    | wire.CLIENT_SECURE_CONNECTION
    | wire.CLIENT_MULTI_STATEMENTS
    | wire.CLIENT_MULTI_RESULTS
    | wire.CLIENT_PS_MULTI_RESULTS
    | wire.CLIENT_PLUGIN_AUTH
    | wire.CLIENT_CONNECT_ATTRS
    | wire.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
    | wire.CLIENT_SESSION_TRACK
    | wire.CLIENT_DEPRECATE_EOF
)
SSL_REQUEST_LENGTH = 32


class ClientGone(Exception):
    """The client closed the connection or broke the protocol during login."""


@dataclass(frozen=True)
class HandshakeResponse:
    """The fields of a client's HandshakeResponse41."""

    capabilities: int
    max_packet_size: int
    charset: int
    user: str
    auth_data: bytes
    database: str | None
    auth_plugin: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class ClientLogin:
    """A client that upgraded to TLS and sent a password (the token); the next packet id to send."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    response: HandshakeResponse
    capabilities: int  # what both sides agreed on
    password: str
    next_sequence_id: int


def offered_capabilities(server: ServerGreeting) -> int:
    """Capabilities for the proxy's greeting: the backend's, limited to what the relay handles, plus TLS."""
    return (
        server.capabilities & RELAY_CAPABILITIES
        | wire.CLIENT_SSL
        | wire.CLIENT_LONG_PASSWORD
        | wire.CLIENT_PLUGIN_AUTH
    )


def build_greeting(server: ServerGreeting, connection_id: int, salt: bytes, capabilities: int) -> bytes:
    """A HandshakeV10 mirroring the backend's version string, so clients detect MariaDB/MySQL as usual."""
    return (
        bytes([wire.HANDSHAKE_V10])
        + server.version.encode()
        + b"\x00"
        + struct.pack("<I", connection_id)
        + salt[:8]
        + b"\x00"
        + struct.pack("<HBHHB", capabilities & 0xFFFF, server.charset, wire.SERVER_STATUS_AUTOCOMMIT,
                      capabilities >> 16, len(salt) + 1)
        + b"\x00" * 10
        + salt[8:]
        + b"\x00"
        + wire.NATIVE_PASSWORD_PLUGIN.encode() + b"\x00"
    )  # fmt: skip


def new_salt() -> bytes:
    """20 random printable bytes, as servers send (some clients choke on NUL bytes in the salt)."""
    return bytes(33 + secrets.randbelow(94) for _ in range(20))


def is_ssl_request(payload: bytes) -> bool:
    return len(payload) == SSL_REQUEST_LENGTH and bool(struct.unpack_from("<I", payload)[0] & wire.CLIENT_SSL)


def parse_handshake_response(payload: bytes) -> HandshakeResponse:
    capabilities, max_packet, charset = struct.unpack_from("<IIB", payload)
    if not capabilities & wire.CLIENT_PROTOCOL_41:
        raise p.ProtocolError("client does not speak protocol 4.1")
    user, offset = p.read_nul_terminated(payload, 32)
    if capabilities & wire.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA:
        auth_data, offset = p.read_lenenc_bytes(payload, offset)
    elif capabilities & wire.CLIENT_SECURE_CONNECTION:
        length = payload[offset]
        auth_data, offset = payload[offset + 1 : offset + 1 + length], offset + 1 + length
    else:
        auth_data, offset = p.read_nul_terminated(payload, offset)
    database = None
    if capabilities & wire.CLIENT_CONNECT_WITH_DB and offset < len(payload):
        raw_database, offset = p.read_nul_terminated(payload, offset)
        database = raw_database.decode() or None
    plugin = b""
    if capabilities & wire.CLIENT_PLUGIN_AUTH and offset < len(payload):
        plugin, offset = p.read_nul_terminated(payload, offset)
    attributes = {}
    if capabilities & wire.CLIENT_CONNECT_ATTRS and offset < len(payload):
        attributes = _parse_attributes(payload, offset)
    return HandshakeResponse(
        capabilities, max_packet, charset, user.decode(), auth_data, database, plugin.decode(), attributes
    )


def _parse_attributes(payload: bytes, offset: int) -> dict[str, str]:
    length, offset = p.read_lenenc_int(payload, offset)
    end = offset + length
    attributes = {}
    while offset < end:
        key, offset = p.read_lenenc_bytes(payload, offset)
        value, offset = p.read_lenenc_bytes(payload, offset)
        attributes[key.decode(errors="replace")] = value.decode(errors="replace")
    return attributes


async def _receive_exactly(loop: asyncio.AbstractEventLoop, sock: socket.socket, size: int) -> bytes:
    """Read exactly ``size`` bytes from the raw socket, never more (see the module docstring)."""
    data = bytearray()
    while len(data) < size:
        chunk = await loop.sock_recv(sock, size - len(data))
        if not chunk:
            raise ClientGone("client closed the connection during the handshake")
        data += chunk
    return bytes(data)


async def _receive_raw_packet(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> p.Packet:
    length, sequence_id = p.parse_header(await _receive_exactly(loop, sock, wire.HEADER_SIZE))
    return p.Packet(sequence_id, await _receive_exactly(loop, sock, length))


class TlsRequired(Exception):
    """The client answered the greeting without an SSLRequest; answer with send_tls_required()."""

    def __init__(self, next_sequence_id: int) -> None:
        super().__init__("client did not request TLS")
        self.next_sequence_id = next_sequence_id


async def send_tls_required(sock: socket.socket, refusal: TlsRequired) -> None:
    """Error 3159, sent before any password is asked for: libmariadb would send the token in clear."""
    payload = wire.TLS_REQUIRED.payload()
    await asyncio.get_running_loop().sock_sendall(sock, p.frame(payload, refusal.next_sequence_id))


async def negotiate(
    sock: socket.socket,
    ssl_context: ssl.SSLContext,
    server: ServerGreeting,
    connection_id: int,
    tls_handshake_timeout: float,
) -> ClientLogin:
    """Run the connection phase up to (not including) the final OK/ERR, which depends on the token."""
    loop = asyncio.get_running_loop()
    salt = new_salt()
    offered = offered_capabilities(server)
    await loop.sock_sendall(sock, p.frame(build_greeting(server, connection_id, salt, offered), 0))
    first = await _receive_raw_packet(loop, sock)
    if not is_ssl_request(first.payload):
        raise TlsRequired(first.sequence_id + 1)
    reader = asyncio.StreamReader(limit=2**20)
    protocol = asyncio.StreamReaderProtocol(reader)
    transport, _ = await loop.connect_accepted_socket(
        lambda: protocol, sock, ssl=ssl_context, ssl_handshake_timeout=tls_handshake_timeout
    )
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)
    try:
        return await _authenticate(reader, writer, offered, salt)
    except (asyncio.IncompleteReadError, ConnectionError, p.ProtocolError) as error:
        writer.close()
        raise ClientGone(f"client broke off the TLS login: {error!r}") from error


async def _authenticate(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, offered: int, salt: bytes
) -> ClientLogin:
    packet = await p.read_packet(reader)
    response = parse_handshake_response(packet.payload)
    sequence_id = packet.sequence_id + 1
    agreed = response.capabilities & offered | wire.CLIENT_SSL
    if response.auth_plugin == wire.CLEAR_PASSWORD_PLUGIN and response.auth_data:
        password = response.auth_data
    else:
        # Whatever the client scrambled is useless: the proxy needs the token itself.
        switch = (
            bytes([wire.AUTH_SWITCH_HEADER]) + wire.CLEAR_PASSWORD_PLUGIN.encode() + b"\x00" + salt + b"\x00"
        )
        writer.write(p.frame(switch, sequence_id))
        reply = await p.read_packet(reader)
        password, sequence_id = reply.payload, reply.sequence_id + 1
    return ClientLogin(
        reader=reader,
        writer=writer,
        response=response,
        capabilities=agreed,
        password=password.rstrip(b"\x00").decode("utf-8", "replace"),
        next_sequence_id=sequence_id,
    )
