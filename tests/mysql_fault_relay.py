"""A TCP relay in front of a MySQL server that breaks a connection at an exact point of the protocol.

Used where a test needs a real connection failure at a moment a killed server cannot give
precisely: after a statement reached the server and ran, before its answer reaches the client.
The relay reads the client's plaintext MySQL packets (4-byte header: 3-byte length, sequence id),
forwards everything, and when a client packet matches ``drop_after_answer_to`` it lets the server
answer, then closes both sides instead of passing the answer on. Works in front of the harness
MariaDB (no TLS) or between the RDS Proxy stand-in and MariaDB (the stand-in's backend link).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

HEADER_BYTES = 4
BUFFER_BYTES = 65536


@dataclass
class RelayStats:
    connections: int = 0
    dropped_after_answer: int = 0
    dropped_statements: list[bytes] = field(default_factory=list)


class MySQLFaultRelay:
    def __init__(self, backend_port: int, drop_after_answer_to: Callable[[bytes], bool]) -> None:
        self.backend_port = backend_port
        self.drop_after_answer_to = drop_after_answer_to
        self.stats = RelayStats()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._accepting = threading.Thread(target=self._accept_loop, daemon=True)

    def __enter__(self) -> MySQLFaultRelay:
        self._accepting.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._listener.close()
        with self._lock:
            for sock in self._open:
                sock.close()

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.backend_port))
            with self._lock:
                self._open |= {client, server}
                self.stats.connections += 1
            broken = threading.Event()
            threading.Thread(
                target=self._client_to_server, args=(client, server, broken), daemon=True
            ).start()
            threading.Thread(
                target=self._server_to_client, args=(server, client, broken), daemon=True
            ).start()

    def _client_to_server(
        self, client: socket.socket, server: socket.socket, broken: threading.Event
    ) -> None:
        pending = b""
        try:
            while data := client.recv(BUFFER_BYTES):
                pending += data
                while len(pending) >= HEADER_BYTES:
                    length = int.from_bytes(pending[:3], "little")
                    if len(pending) < HEADER_BYTES + length:
                        break
                    packet, pending = pending[: HEADER_BYTES + length], pending[HEADER_BYTES + length :]
                    if self.drop_after_answer_to(packet[HEADER_BYTES:]):
                        with self._lock:
                            self.stats.dropped_after_answer += 1
                            self.stats.dropped_statements.append(packet[HEADER_BYTES:])
                        broken.set()  # the other direction swallows the answer and closes both sides
                    server.sendall(packet)
        except OSError:
            pass

    @staticmethod
    def _server_to_client(server: socket.socket, client: socket.socket, broken: threading.Event) -> None:
        try:
            while (data := server.recv(BUFFER_BYTES)) and not broken.is_set():
                client.sendall(data)
        except OSError:
            pass
        finally:
            _close(client, server)


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


def is_insert_into(table: str) -> Callable[[bytes], bool]:
    """A COM_QUERY (0x03) packet whose statement inserts into ``table``."""
    prefix = b"\x03INSERT INTO `" + table.encode() + b"`"
    return lambda payload: payload.startswith(prefix)


def is_commit(payload: bytes) -> bool:
    """A COM_QUERY (0x03) packet that commits the open transaction (libmariadb sends "COMMIT")."""
    return payload[:1] == b"\x03" and payload[1:].strip().upper() == b"COMMIT"
