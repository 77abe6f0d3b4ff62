"""A bare-bones blocking MySQL client for what no installed driver sends: COM_STMT_PREPARE, DEPRECATE_EOF."""

from __future__ import annotations

import socket
import ssl
import struct

from local_rds_proxy import packets as p
from local_rds_proxy import wire
from local_rds_proxy.response_framing import ResponseTracker, Step

UTF8MB4_GENERAL_CI = 45
BASE_CAPABILITIES = (
    wire.CLIENT_LONG_PASSWORD
    | wire.CLIENT_PROTOCOL_41
    | wire.CLIENT_SECURE_CONNECTION
    | wire.CLIENT_PLUGIN_AUTH
    | wire.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
    | wire.CLIENT_CONNECT_WITH_DB
    | wire.CLIENT_TRANSACTIONS
    | wire.CLIENT_MULTI_RESULTS
)


class RawClient:
    """Logs in over verified TLS sending the token with mysql_clear_password up front (no auth switch)."""

    def __init__(
        self, port: int, ca: str, user: str, token: str, database: str, extra_capabilities: int = 0
    ) -> None:
        self.capabilities = BASE_CAPABILITIES | extra_capabilities
        plain = socket.create_connection(("127.0.0.1", port), timeout=20)
        self._sequence_id = 0
        self._socket: socket.socket = plain
        self._read()  # greeting
        fixed = struct.pack("<IIB", self.capabilities | wire.CLIENT_SSL, wire.MAX_PAYLOAD, UTF8MB4_GENERAL_CI)
        self._write(fixed + b"\x00" * 23)
        self._socket = ssl.create_default_context(cafile=ca).wrap_socket(plain, server_hostname="127.0.0.1")
        login = fixed + b"\x00" * 23 + user.encode() + b"\x00" + p.lenenc_bytes(token.encode() + b"\x00")
        self._write(login + database.encode() + b"\x00" + b"mysql_clear_password\x00")
        answer = self._read()
        if answer[0] != wire.OK_HEADER:
            raise ConnectionError(wire.ErrPacket.parse(answer))

    def command(self, command: int, argument: bytes = b"") -> tuple[list[bytes], ResponseTracker]:
        """Send one command; return every response payload and the tracker that framed them."""
        self._sequence_id = 0
        self._write(bytes([command]) + argument)
        tracker = ResponseTracker(command, self.capabilities, 0)
        payloads = []
        while True:
            payloads.append(self._read())
            if tracker.feed(payloads[-1]) is Step.DONE:
                return payloads, tracker

    def text_rows(self, sql: str) -> list[list[bytes | None]]:
        """Run a COM_QUERY returning one result set; decode its text-protocol rows."""
        payloads, tracker = self.command(wire.COM_QUERY, sql.encode())
        if tracker.error:
            raise RuntimeError(tracker.error)
        columns, _ = p.read_lenenc_int(payloads[0], 0)
        skip = 1 + columns + (0 if self.capabilities & wire.CLIENT_DEPRECATE_EOF else 1)
        return [_text_row(payload, columns) for payload in payloads[skip:-1]]

    def prepare(self, sql: str) -> int:
        payloads, tracker = self.command(wire.COM_STMT_PREPARE, sql.encode())
        if tracker.error:
            raise RuntimeError(tracker.error)
        return struct.unpack_from("<I", payloads[0], 1)[0]

    def execute_single_integer(self, statement_id: int) -> int:
        """Execute a prepared statement without parameters returning one integer column (binary protocol)."""
        payloads, tracker = self.command(wire.COM_STMT_EXECUTE, struct.pack("<IBI", statement_id, 0, 1))
        if tracker.error:
            raise RuntimeError(tracker.error)
        row = payloads[-2]  # header 0x00, 1 byte of NULL bitmap, then the integer (4 or 8 bytes)
        return int.from_bytes(row[2:], "little")

    def close(self) -> None:
        self._sequence_id = 0
        self._write(bytes([wire.COM_QUIT]))
        self._socket.close()

    def _write(self, payload: bytes) -> None:
        self._socket.sendall(p.frame(payload, self._sequence_id))
        self._sequence_id += 1

    def _read(self) -> bytes:
        length, sequence_id = p.parse_header(self._receive(wire.HEADER_SIZE))
        self._sequence_id = sequence_id + 1
        return self._receive(length)

    def _receive(self, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            chunk = self._socket.recv(size - len(data))
            if not chunk:
                raise ConnectionError("server closed the connection")
            data += chunk
        return bytes(data)


def _text_row(payload: bytes, columns: int) -> list[bytes | None]:
    values: list[bytes | None] = []
    offset = 0
    for _ in range(columns):
        if payload[offset] == 0xFB:
            values.append(None)
            offset += 1
        else:
            value, offset = p.read_lenenc_bytes(payload, offset)
            values.append(value)
    return values
