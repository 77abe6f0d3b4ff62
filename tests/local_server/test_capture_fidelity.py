"""What the local servers hand the capture view, spoken to byte by byte over a real socket.

`make run` and `make stack` serve with local_server (gunicorn); `manage.py runserver` stays
available. Each test writes raw HTTP/1.1 to the running server, reads its answer, and looks at
what the database holds.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from hits.models import Hit
from local_mariadb.server import free_port

pytestmark = [pytest.mark.mariadb_only, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
BODY_LIMIT = 1024
START_TIMEOUT_SECONDS = 30


def site_environment() -> dict[str, str]:
    """This test database, for a server in another process."""
    database = connection.settings_dict
    url = (
        f"mysql://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}"
    )
    inherited = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "HITS_"))}
    return inherited | {"DATABASE_URL": url, "HITS_MAX_BODY_BYTES": str(BODY_LIMIT)}


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {START_TIMEOUT_SECONDS} s")


@pytest.fixture
def start_server() -> Iterator[Callable[[list[str]], int]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(arguments: list[str]) -> int:
        port = free_port()
        process = subprocess.Popen(  # noqa: S603 - this venv's Python on our own modules
            [sys.executable, *[argument.format(port=port) for argument in arguments]],
            cwd=REPO,
            env=site_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        wait_for_port(port, process)
        return port

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)


GUNICORN = ["-m", "local_server", "--port", "{port}", "--workers", "1"]
RUNSERVER = ["manage.py", "runserver", "--noreload", "127.0.0.1:{port}"]


def exchange(port: int, request: bytes, half_close: bool = True) -> tuple[int, bytes]:
    """Send raw bytes, optionally half-close, read the whole answer: (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(request)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def chunked(body: bytes, chunk_size: int = 300) -> bytes:
    parts = [body[offset : offset + chunk_size] for offset in range(0, len(body), chunk_size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def request_head(method: str, path: str, *headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_body_shorter_than_its_content_length_gets_400_and_nothing_is_stored(start_server):
    port = start_server(GUNICORN)
    status, body = exchange(port, request_head("POST", "/short", "Content-Length: 1000") + b"0123456789")

    assert status == 400
    assert (
        body == b"Request body incomplete: Content-Length says 1000 bytes, 10 arrived. Nothing was stored.\n"
    )
    assert Hit.objects.count() == 0


def test_a_chunked_body_is_stored_byte_exact_with_the_headers_as_sent(start_server):
    port = start_server(GUNICORN)
    payload = bytes(range(256)) * 3 + b"\r\n0\r\n\r\n"  # framing-like bytes inside the data itself
    status, _ = exchange(
        port, request_head("POST", "/chunked", "Transfer-Encoding: chunked") + chunked(payload)
    )

    hit = Hit.objects.get()
    assert status == 200
    assert bytes(hit.body) == payload
    names = [name for name, _value in hit.headers]
    assert "Transfer-Encoding" in names
    assert "Content-Length" not in names


def test_a_chunked_body_over_the_limit_gets_413_and_nothing_is_stored(start_server):
    port = start_server(GUNICORN)
    status, body = exchange(
        port, request_head("POST", "/big", "Transfer-Encoding: chunked") + chunked(b"x" * (BODY_LIMIT + 1))
    )

    assert status == 413
    assert body.endswith(b"Nothing was stored.\n")
    assert Hit.objects.count() == 0


@pytest.mark.parametrize("server", [GUNICORN, RUNSERVER], ids=["gunicorn", "runserver"])
def test_a_bodyless_get_stores_no_headers_the_client_did_not_send(start_server, server):
    port = start_server(server)
    status, _ = exchange(port, request_head("GET", "/plain", "Accept: */*", "X-Sent: yes"))

    assert status == 200
    assert [name for name, _value in Hit.objects.get().headers] == ["Host", "Connection", "Accept", "X-Sent"]


def test_runserver_cannot_read_chunked_bodies_so_it_gets_411_not_a_wrong_body(start_server):
    port = start_server(RUNSERVER)
    status, body = exchange(
        port, request_head("POST", "/chunked", "Transfer-Encoding: chunked") + chunked(b"hi")
    )

    assert status == 411
    assert body.endswith(b"Nothing was stored.\n")
    assert Hit.objects.count() == 0


def test_a_request_whose_headers_never_ended_is_not_stored(start_server):
    port = start_server(GUNICORN)
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(b"POST /unfinished HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
        sock.shutdown(socket.SHUT_WR)
        sock.recv(65536)  # whatever the server answers, if anything, before it closes

    assert exchange(port, request_head("GET", "/after"))[0] == 200  # the server still serves
    assert list(Hit.objects.values_list("path", flat=True)) == ["/after"]
