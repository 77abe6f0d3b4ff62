"""MySQL wire-protocol framing: packet headers, length-encoded values, OK and EOF packets.

Only what the stand-in needs; the constants (and ERR packets) are in ``wire``. Layouts follow the
MySQL/MariaDB client/server protocol documentation ("Protocol Basics", "Generic Response Packets").
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass

from local_rds_proxy.wire import (
    CLIENT_DEPRECATE_EOF,
    CLIENT_SESSION_TRACK,
    EOF_HEADER,
    EOF_PAYLOAD_LIMIT,
    HEADER_SIZE,
    MAX_PAYLOAD,
    OK_HEADER,
)


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
    payload = (
        bytes([OK_HEADER]) + lenenc_int(affected_rows) + lenenc_int(0) + struct.pack("<HH", status, warnings)
    )
    if capabilities & CLIENT_SESSION_TRACK:
        # With SESSION_TRACK the info string is length-encoded, so an empty one is one 0 byte.
        payload += b"\x00"
    return payload


def ok_status(payload: bytes) -> int:
    """Server status flags of an OK packet (header 0x00, or 0xFE when it ends a result set)."""
    _, offset = read_lenenc_int(payload, 1)  # affected rows
    _, offset = read_lenenc_int(payload, offset)  # last insert id
    return int(struct.unpack_from("<H", payload, offset)[0])


def eof_status(payload: bytes) -> int:
    """Server status flags of a classic EOF packet (0xFE, warnings u16, status u16)."""
    return int(struct.unpack_from("<H", payload, 3)[0])


def is_eof_packet(payload: bytes, capabilities: int) -> bool:
    """True if ``payload`` is an EOF (or, with DEPRECATE_EOF, an OK-as-EOF) rather than a row.

    A row can start with 0xFE only as the prefix of an 8-byte length, so it is at least
    EOF_PAYLOAD_LIMIT bytes long.
    """
    if not payload or payload[0] != EOF_HEADER:
        return False
    if capabilities & CLIENT_DEPRECATE_EOF:
        return len(payload) < MAX_PAYLOAD
    return len(payload) < EOF_PAYLOAD_LIMIT
