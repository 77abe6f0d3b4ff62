"""MySQL wire-protocol framing: packet headers, length-encoded values, OK/ERR packets, constants.

Only what the stand-in needs. Layouts follow the MySQL/MariaDB client/server protocol documentation
("Protocol Basics", "Generic Response Packets").
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass

# A physical packet carries at most this many payload bytes; a payload of exactly this size means
# "continued in the next packet".
MAX_PAYLOAD = 0xFFFFFF
HEADER_SIZE = 4

# Capability flags (protocol "Capabilities Flags").
CLIENT_LONG_PASSWORD = 1  # also CLIENT_MYSQL: when set, MariaDB extended capabilities are off
CLIENT_FOUND_ROWS = 1 << 1
CLIENT_LONG_FLAG = 1 << 2
CLIENT_CONNECT_WITH_DB = 1 << 3
CLIENT_NO_SCHEMA = 1 << 4
CLIENT_COMPRESS = 1 << 5
CLIENT_ODBC = 1 << 6
CLIENT_LOCAL_FILES = 1 << 7
CLIENT_IGNORE_SPACE = 1 << 8
CLIENT_PROTOCOL_41 = 1 << 9
CLIENT_INTERACTIVE = 1 << 10
CLIENT_SSL = 1 << 11
CLIENT_IGNORE_SIGPIPE = 1 << 12
CLIENT_TRANSACTIONS = 1 << 13
CLIENT_RESERVED = 1 << 14
CLIENT_SECURE_CONNECTION = 1 << 15
CLIENT_MULTI_STATEMENTS = 1 << 16
CLIENT_MULTI_RESULTS = 1 << 17
CLIENT_PS_MULTI_RESULTS = 1 << 18
CLIENT_PLUGIN_AUTH = 1 << 19
CLIENT_CONNECT_ATTRS = 1 << 20
CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA = 1 << 21
CLIENT_SESSION_TRACK = 1 << 23
CLIENT_DEPRECATE_EOF = 1 << 24

# Server status flags (in OK and EOF packets).
SERVER_STATUS_IN_TRANS = 0x0001
SERVER_STATUS_AUTOCOMMIT = 0x0002
SERVER_MORE_RESULTS_EXISTS = 0x0008
SERVER_STATUS_CURSOR_EXISTS = 0x0040

# Command bytes (first byte of a command-phase packet).
COM_QUIT = 0x01
COM_INIT_DB = 0x02
COM_QUERY = 0x03
COM_FIELD_LIST = 0x04
COM_STATISTICS = 0x09
COM_PING = 0x0E
COM_CHANGE_USER = 0x11
COM_STMT_PREPARE = 0x16
COM_STMT_EXECUTE = 0x17
COM_STMT_SEND_LONG_DATA = 0x18
COM_STMT_CLOSE = 0x19
COM_STMT_RESET = 0x1A
COM_SET_OPTION = 0x1B
COM_STMT_FETCH = 0x1C
COM_RESET_CONNECTION = 0x1F

# First byte of a response packet.
OK_HEADER = 0x00
AUTH_MORE_DATA_HEADER = 0x01
LOCAL_INFILE_HEADER = 0xFB
EOF_HEADER = 0xFE
ERR_HEADER = 0xFF


class ProtocolError(Exception):
    """The peer sent bytes that do not follow the MySQL protocol."""


@dataclass(frozen=True)
class Packet:
    """One physical packet: its sequence id and payload."""

    sequence_id: int
    payload: bytes

    def to_bytes(self) -> bytes:
        """This one physical packet as it travels (no continuation handling: it is one packet)."""
        return len(self.payload).to_bytes(3, "little") + bytes([self.sequence_id]) + self.payload


def frame(payload: bytes, sequence_id: int) -> bytes:
    """Frame ``payload`` as one or more physical packets starting at ``sequence_id``."""
    chunks = []
    offset = 0
    while True:
        chunk = payload[offset : offset + MAX_PAYLOAD]
        chunks.append(struct.pack("<I", len(chunk))[:3] + bytes([sequence_id & 0xFF]) + chunk)
        offset += MAX_PAYLOAD
        sequence_id += 1
        # A payload that is an exact multiple of MAX_PAYLOAD ends with an empty packet.
        if len(chunk) < MAX_PAYLOAD:
            return b"".join(chunks)


def parse_header(header: bytes) -> tuple[int, int]:
    """Return (payload length, sequence id) of a 4-byte packet header."""
    return int.from_bytes(header[:3], "little"), header[3]


async def read_packet(reader: asyncio.StreamReader) -> Packet:
    """Read one physical packet; raises asyncio.IncompleteReadError at end of stream."""
    length, sequence_id = parse_header(await reader.readexactly(HEADER_SIZE))
    payload = await reader.readexactly(length) if length else b""
    return Packet(sequence_id, payload)


async def read_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes, int]:
    """Read one logical payload (joining continuation packets).

    Returns (payload, the raw framed bytes as received, sequence id of the last packet), so a relay
    can forward the bytes unchanged and still inspect the payload.
    """
    parts: list[bytes] = []
    raw: list[bytes] = []
    while True:
        packet = await read_packet(reader)
        parts.append(packet.payload)
        raw.append(packet.to_bytes())
        if len(packet.payload) < MAX_PAYLOAD:
            return b"".join(parts), b"".join(raw), packet.sequence_id


def lenenc_int(value: int) -> bytes:
    """Encode ``value`` as a length-encoded integer."""
    if value < 0xFB:
        return bytes([value])
    if value < 1 << 16:
        return b"\xfc" + value.to_bytes(2, "little")
    if value < 1 << 24:
        return b"\xfd" + value.to_bytes(3, "little")
    return b"\xfe" + value.to_bytes(8, "little")


def read_lenenc_int(data: bytes, offset: int) -> tuple[int, int]:
    """Decode a length-encoded integer at ``offset``; return (value, next offset)."""
    first = data[offset]
    if first < 0xFB:
        return first, offset + 1
    width = {0xFC: 2, 0xFD: 3, 0xFE: 8}.get(first)
    if width is None or offset + 1 + width > len(data):
        raise ProtocolError(f"bad length-encoded integer prefix 0x{first:02x}")
    return int.from_bytes(data[offset + 1 : offset + 1 + width], "little"), offset + 1 + width


def lenenc_bytes(value: bytes) -> bytes:
    return lenenc_int(len(value)) + value


def read_lenenc_bytes(data: bytes, offset: int) -> tuple[bytes, int]:
    length, offset = read_lenenc_int(data, offset)
    if offset + length > len(data):
        raise ProtocolError("length-encoded string runs past the end of the packet")
    return data[offset : offset + length], offset + length


def read_nul_terminated(data: bytes, offset: int) -> tuple[bytes, int]:
    end = data.find(b"\x00", offset)
    if end < 0:
        raise ProtocolError("missing NUL terminator")
    return data[offset:end], end + 1


def ok_payload(status: int, capabilities: int, affected_rows: int = 0, warnings: int = 0) -> bytes:
    """An OK packet payload as a server would send it to a client with ``capabilities``."""
    payload = b"\x00" + lenenc_int(affected_rows) + lenenc_int(0) + struct.pack("<HH", status, warnings)
    if capabilities & CLIENT_SESSION_TRACK:
        # With SESSION_TRACK the info string is length-encoded, so an empty one is one 0 byte.
        payload += b"\x00"
    return payload


def err_payload(code: int, sql_state: str, message: str) -> bytes:
    """An ERR packet payload (protocol 4.1 layout, with SQLSTATE)."""
    return b"\xff" + struct.pack("<H", code) + b"#" + sql_state.encode("ascii") + message.encode("utf-8")


def greeting_err_payload(code: int, message: str) -> bytes:
    """An ERR sent instead of a greeting: the client's capabilities are unknown, so no SQLSTATE."""
    return b"\xff" + struct.pack("<H", code) + message.encode("utf-8")


@dataclass(frozen=True)
class ErrPacket:
    code: int
    sql_state: str
    message: str


def parse_err(payload: bytes) -> ErrPacket:
    code = struct.unpack_from("<H", payload, 1)[0]
    if payload[3:4] == b"#":
        return ErrPacket(
            code, payload[4:9].decode("ascii", "replace"), payload[9:].decode("utf-8", "replace")
        )
    return ErrPacket(code, "HY000", payload[3:].decode("utf-8", "replace"))


def ok_status(payload: bytes) -> int:
    """Server status flags of an OK packet (header 0x00, or 0xFE when it ends a result set)."""
    _, offset = read_lenenc_int(payload, 1)  # affected rows
    _, offset = read_lenenc_int(payload, offset)  # last insert id
    return struct.unpack_from("<H", payload, offset)[0]


def eof_status(payload: bytes) -> int:
    """Server status flags of a classic EOF packet (0xFE, warnings u16, status u16)."""
    return struct.unpack_from("<H", payload, 3)[0]


def is_eof_packet(payload: bytes, capabilities: int) -> bool:
    """True if ``payload`` is an EOF (or, with DEPRECATE_EOF, an OK-as-EOF) rather than a row.

    A row can start with 0xFE only as the prefix of an 8-byte length, so it is at least 9 bytes long.
    """
    if not payload or payload[0] != EOF_HEADER:
        return False
    if capabilities & CLIENT_DEPRECATE_EOF:
        return len(payload) < MAX_PAYLOAD
    return len(payload) < 9
