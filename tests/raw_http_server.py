"""A raw-socket HTTP/1.1 server that records each request's bytes exactly as they arrived.

No HTTP library sits between the client and the record, so a test sees what a replay command really
sent (header order, repeats, casing, the body byte for byte), not a framework's reading of it.
"""

from __future__ import annotations

import queue
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

HEAD_END = b"\r\n\r\n"
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


@dataclass(frozen=True)
class ReceivedBytes:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes


def parse(raw_head: bytes, body: bytes) -> ReceivedBytes:
    request_line, *header_lines = raw_head.decode("utf-8").split("\r\n")
    method, target, _version = request_line.split(" ")
    headers = []
    for line in header_lines:
        name, _, value = line.partition(":")
        headers.append((name, value.removeprefix(" ")))  # one space after the colon is the framing
    return ReceivedBytes(method, target, headers, body)


def read_request(connection: socket.socket) -> ReceivedBytes:
    data = b""
    while HEAD_END not in data:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed inside the request head: {data!r}")
        data += chunk
    head, _, body = data.partition(HEAD_END)
    received = parse(head, b"")
    lengths = [value for name, value in received.headers if name.lower() == "content-length"]
    length = int(lengths[0]) if lengths else 0
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError(f"body incomplete: {len(body)} of {length} bytes")
        body += chunk
    return ReceivedBytes(received.method, received.target, received.headers, body)


@contextmanager
def raw_http_server() -> Iterator[tuple[str, queue.Queue[ReceivedBytes]]]:
    """Serve on 127.0.0.1 until the block ends; yields the base URL and a queue of received requests."""
    listener = socket.create_server(("127.0.0.1", 0))
    received: queue.Queue[ReceivedBytes] = queue.Queue()

    def serve() -> None:
        while True:
            try:
                connection, _address = listener.accept()
            except OSError:
                return  # the listener was closed: the block ended
            with connection:
                received.put(read_request(connection))
                connection.sendall(ANSWER)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", received
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() (close alone does not, on Linux)
        listener.close()
        thread.join(timeout=5)
