"""manage.py forward_hits against the running site (pytest-django's live server) and a real socket
server that records the raw bytes it receives: 100 hits replayed byte-exact, a restart without
duplicates or gaps, refusal without a token when login is required."""

from __future__ import annotations

import contextlib
import json
import random
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from hits.api_tokens import mint_token
from hits.capture import record_hit
from hits.forwarding import proxy_for
from hits.models import ApiToken, Hit
from hits.received import LAMBDA_EVENT_KEY
from local_rds_proxy import make_test_certificates
from tests.lambda_events import rest_api_v1_event

pytestmark = pytest.mark.django_db(transaction=True)

HOP_BY_HOP_SENT = "Connection"
REDACTED_SENT = "Authorization"


class RecordingServer(socketserver.ThreadingTCPServer):
    """Reads each request's raw bytes (head, then Content-Length bytes of body) and answers 204.
    ``refuse_next`` closes the next connection unanswered and unrecorded (a target that went down)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.requests: list[bytes] = []
        self.refuse_next = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class RecordingHandler(socketserver.BaseRequestHandler):
    server: RecordingServer

    def handle(self) -> None:
        if self.server.refuse_next:
            self.server.refuse_next = False
            return
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")[1:]
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        while len(body) < length:
            body += self.request.recv(65536)
        self.server.requests.append(head + b"\r\n\r\n" + body)
        self.request.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@pytest.fixture
def target() -> Iterator[RecordingServer]:
    server = RecordingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def capture_from_lambda(number: int, rng: random.Random) -> Hit:
    """A capture through API Gateway REST (payload 1.0): repeated headers kept, binary bodies."""
    method = ("POST", "PUT", "GET", "PATCH")[number % 4]
    body = b"" if method == "GET" else rng.randbytes(rng.randrange(0, 3000))
    headers = [
        ("Content-Type", "application/octet-stream"),
        ("X-Repeated", f"first {number}"),
        ("X-Repeated", "second, with a comma"),
        (REDACTED_SENT, "Bearer s3cret"),
        (HOP_BY_HOP_SENT, "keep-alive"),
        ("X-Quote", "\"'$`\\ é"),
    ]
    path = f"/hooks/{number}/ü space"
    event = rest_api_v1_event(
        method, path, "production", query=f"n={number}&e=a%20b", headers=headers, body=body
    )
    request = RequestFactory().generic(method, path)
    request.META[LAMBDA_EVENT_KEY] = event
    hit = record_hit(request).hit
    assert hit is not None  # no endpoint rule here, so every request is stored
    return hit


def expected_bytes(hit: Hit, target_host: str) -> bytes:
    """What the target must receive, written out here from the stored hit and the documented rules."""
    lines = [f"{hit.method} {quote(hit.path)}?{hit.query_string} HTTP/1.1".encode()]
    for name, value in hit.headers:
        if name in (HOP_BY_HOP_SENT, REDACTED_SENT):
            continue
        value = target_host if name.lower() == "host" else value
        lines.append(f"{name}: {value}".encode())
    body = bytes(hit.body)
    if body:
        lines.append(f"Content-Length: {len(body)}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def forward(site: str, to: str, state: Path, *extra: str) -> str:
    output = StringIO()
    call_command(
        "forward_hits", "--to", to, "--from", site, "--state", str(state), "--once", *extra, stdout=output
    )
    return output.getvalue()


def test_replays_100_hits_byte_exact_and_resumes_after_a_restart_without_duplicates_or_gaps(
    live_server: Any, target: RecordingServer, tmp_path: Path
) -> None:
    rng = random.Random(14)
    hits = [capture_from_lambda(number, rng) for number in range(60)]
    state = tmp_path / "state.json"
    output = forward(live_server.url, target.url, state, "--start-after", "0")
    assert len(target.requests) == 60
    assert f"#{hits[0].id} POST /hooks/0/%C3%BC%20space?n=0&e=a%20b -> 204 in " in output

    # The target goes down in the middle of the next run: the command stops at the hit it could
    # not deliver; the restart sends that hit and the rest, each once.
    hits += [capture_from_lambda(number, rng) for number in range(60, 100)]
    target.refuse_next = True
    with pytest.raises(CommandError, match=f"#{hits[60].id} not delivered"):
        forward(live_server.url, target.url, state)
    assert json.loads(state.read_text())["after"] == hits[59].id
    forward(live_server.url, target.url, state)

    host = target.url.removeprefix("http://")
    assert target.requests == [expected_bytes(hit, host) for hit in hits]
    assert any(
        b"X-Repeated: first 1\r\nX-Repeated: second, with a comma\r\n" in raw for raw in target.requests
    )
    assert all(b"s3cret" not in raw and b"Authorization" not in raw for raw in target.requests)
    assert sum(len(raw) for raw in target.requests) > 100_000  # binary bodies really went out


def test_a_first_run_forwards_only_new_hits(
    live_server: Any, target: RecordingServer, tmp_path: Path
) -> None:
    rng = random.Random(1)
    capture_from_lambda(0, rng)
    state = tmp_path / "state.json"
    assert "forwarding hits after #" in forward(live_server.url, target.url, state)
    assert target.requests == []
    new = capture_from_lambda(1, rng)
    forward(live_server.url, target.url, state)
    assert target.requests == [expected_bytes(new, target.url.removeprefix("http://"))]


def test_filter_host_header_and_path_rewriting(
    live_server: Any, target: RecordingServer, tmp_path: Path
) -> None:
    rng = random.Random(2)
    capture_from_lambda(0, rng)  # POST
    capture_from_lambda(2, rng)  # GET: filtered out
    forward(
        live_server.url,
        target.url + "/base",
        tmp_path / "state.json",
        "--start-after",
        "0",
        "--filter",
        "method=POST",
        "--host-header",
        "api.example.com",
        "--strip-prefix",
        "/hooks",
        "--add-prefix",
        "/v2",
    )
    (raw,) = target.requests
    assert raw.startswith(b"POST /base/v2/0/%C3%BC%20space?n=0&e=a%20b HTTP/1.1\r\n")
    assert b"\r\nHost: api.example.com\r\n" in raw


def test_refused_without_a_token_when_login_is_required(
    live_server: Any, target: RecordingServer, tmp_path: Path, settings: Any
) -> None:
    settings.HITS_REQUIRE_LOGIN = True
    capture_from_lambda(0, random.Random(3))
    with pytest.raises(CommandError, match="answered 401: authentication required"):
        forward(live_server.url, target.url, tmp_path / "state.json", "--start-after", "0")
    with pytest.raises(CommandError, match="answered 401: invalid or revoked API token"):
        forward(
            live_server.url, target.url, tmp_path / "state.json", "--start-after", "0", "--token", "whs_wrong"
        )
    token = ApiToken(name="forwarder")
    plain = mint_token(token)
    token.save()
    forward(live_server.url, target.url, tmp_path / "state.json", "--start-after", "0", "--token", plain)
    assert len(target.requests) == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--to", "localhost:3000"], "--to must be an http:// or https:// URL"),
        (["--to", "http://x", "--from", "file:///etc/passwd"], "--from must be an http:// or https:// URL"),
        (["--to", "http://x", "--filter", "methd=POST"], "--filter: unknown parameter methd (known: method"),
        (["--to", "http://x", "--filter", "since=later"], "--filter: since is not an ISO 8601 time"),
        (["--to", "http://x", "--strip-prefix", "hooks"], "--strip-prefix must start with /"),
    ],
)
def test_ambiguous_or_bad_options_are_refused(arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("forward_hits", *arguments, "--once")


def test_a_state_file_for_another_source_is_refused(
    live_server: Any, target: RecordingServer, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"from": "http://elsewhere", "filter": "", "after": 5}))
    with pytest.raises(CommandError, match="holds the position of another source"):
        forward(live_server.url, target.url, state)
    state.write_text(json.dumps({"from": live_server.url, "filter": "", "after": 5}))
    with pytest.raises(CommandError, match="--start-after conflicts with the saved state"):
        forward(live_server.url, target.url, state, "--start-after", "0")


def test_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.internal:3129")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    assert proxy_for("https://hooks.example.com/x") == "http://proxy.internal:3128"
    assert proxy_for("http://hooks.example.com/x") == "http://proxy.internal:3129"
    assert proxy_for("http://localhost:3000/x") is None


def test_plain_http_through_a_proxy_sends_the_absolute_url(
    live_server: Any, target: RecordingServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The recording server stands in for the proxy: it sees the absolute-form request line."""
    capture_from_lambda(0, random.Random(4))
    monkeypatch.setenv("HTTP_PROXY", target.url)
    site = live_server.url.replace("127.0.0.1", "localhost")
    monkeypatch.setenv("NO_PROXY", "localhost")  # the site is reached directly, the target via the proxy
    forward(site, "http://hooks.example.invalid:8080", tmp_path / "state.json", "--start-after", "0")
    (raw,) = target.requests
    assert raw.startswith(
        b"POST http://hooks.example.invalid:8080/hooks/0/%C3%BC%20space?n=0&e=a%20b HTTP/1.1\r\n"
    )
    assert b"\r\nHost: hooks.example.invalid:8080\r\n" in raw


class TlsRecordingServer(RecordingServer):
    """The recording server behind TLS, with a certificate from the test CA."""

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__()
        self.context = context

    def get_request(self) -> tuple[socket.socket, Any]:
        raw, address = super().get_request()
        return self.context.wrap_socket(raw, server_side=True), address

    @property
    def url(self) -> str:
        return f"https://localhost:{self.server_address[1]}"


class ConnectProxy(socketserver.ThreadingTCPServer):
    """An HTTP CONNECT proxy (what HTTPS_PROXY names): records each CONNECT line, then relays bytes."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ConnectHandler)
        self.connects: list[bytes] = []


class ConnectHandler(socketserver.BaseRequestHandler):
    server: ConnectProxy

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.request.recv(4096)
        request_line = head.split(b"\r\n", 1)[0]
        self.server.connects.append(request_line)
        host, port = request_line.split()[1].decode().rsplit(":", 1)
        with socket.create_connection((host, int(port))) as upstream:
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            relay = threading.Thread(target=pipe, args=(upstream, self.request), daemon=True)
            relay.start()
            pipe(self.request, upstream)
            relay.join(timeout=5)


def pipe(source: socket.socket, sink: socket.socket) -> None:
    while data := source.recv(65536):
        sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def serve(server: socketserver.BaseServer) -> None:
    threading.Thread(target=server.serve_forever, daemon=True).start()


def test_https_targets_go_through_the_https_proxy_tunnel(
    live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    certificates = make_test_certificates(tmp_path / "certificates")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates.server_cert, certificates.server_key)
    target, proxy = TlsRecordingServer(context), ConnectProxy()
    serve(target)
    serve(proxy)
    try:
        hit = capture_from_lambda(0, random.Random(5))
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
        monkeypatch.setenv("NO_PROXY", "")
        monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca_cert))  # trust the test CA
        forward(live_server.url, target.url, tmp_path / "state.json", "--start-after", "0")
        host = target.url.removeprefix("https://")
        # One tunnel to the target; http.client says HTTP/1.0 on Python 3.11 and HTTP/1.1 from 3.12 on.
        assert [line.rsplit(b" ", 1)[0] for line in proxy.connects] == [f"CONNECT {host}".encode()]
        assert target.requests == [expected_bytes(hit, host)]
    finally:
        for server in (target, proxy):
            server.shutdown()
            server.server_close()


def test_a_hit_http_cannot_carry_is_reported_and_passed_over(
    live_server: Any, target: RecordingServer, tmp_path: Path
) -> None:
    Hit.objects.create_with_search_keys(method="POST", path="/bad", headers=[["X-Ünïcode-Name", "1"]])
    good = capture_from_lambda(0, random.Random(6))
    errors = StringIO()
    call_command(
        "forward_hits",
        "--to",
        target.url,
        "--from",
        live_server.url,
        "--state",
        str(tmp_path / "s.json"),
        "--once",
        "--start-after",
        "0",
        stdout=StringIO(),
        stderr=errors,
    )
    assert "cannot be sent as HTTP/1.1" in errors.getvalue()
    assert target.requests == [expected_bytes(good, target.url.removeprefix("http://"))]
