"""A local Lambda Runtime API (version 2018-06-01): what Lambda serves a function's runtime client.

Reference: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html and the OpenAPI
specification linked there (runtime-api.zip). Implemented, for one execution environment:

- ``GET /2018-06-01/runtime/invocation/next``: the next event as the JSON body, with the
  ``Lambda-Runtime-Aws-Request-Id``, ``Lambda-Runtime-Deadline-Ms`` (Unix ms),
  ``Lambda-Runtime-Invoked-Function-Arn`` and ``Lambda-Runtime-Trace-Id`` headers. The call blocks
  while no event is queued ("do not set a timeout on the GET request": Lambda holds it, and freezes
  the environment, until there is an invocation); here it blocks until the server stops.
- ``POST /2018-06-01/runtime/invocation/{AwsRequestId}/response`` and ``.../error`` (the latter
  with ``Lambda-Runtime-Function-Error-Type``): ``202 Accepted``.
- ``POST /2018-06-01/runtime/init/error``: ``202 Accepted``.

Every request is stamped with time.perf_counter_ns() once fully read, so a benchmark in this process
times a function against its own clock. Not modelled: the sandbox, freezing between invocations,
restore (SnapStart) and telemetry/extension APIs, concurrency (one invocation at a time, as in a
default Lambda execution environment).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

from bench.local_http_server import LocalHTTPServer, send_body

API_VERSION = "/2018-06-01"
NEXT_PATH = f"{API_VERSION}/runtime/invocation/next"
INIT_ERROR_PATH = f"{API_VERSION}/runtime/init/error"
INVOCATION_RESULT = re.compile(
    rf"^{API_VERSION}/runtime/invocation/(?P<request_id>[^/]+)/(?P<kind>response|error)$"
)
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
# zappa_settings.json gives the function 30 s; the deadline header is that far from the invocation.
FUNCTION_TIMEOUT_MS = 30_000
ACCOUNT_ID = "123456789012"
JSON = "application/json"


@dataclass(frozen=True)
class Outcome:
    """What the runtime posted back: an invocation's response or error, or an init error."""

    kind: str  # "response", "error" or "init_error"
    request_id: str
    received_ns: int
    body: bytes
    error_type: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Exchange:
    """The events still to serve, and everything the runtime sent, guarded by one condition."""

    events: deque[tuple[str, bytes]]
    next_requests_ns: list[int] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    closing: bool = False
    condition: threading.Condition = field(default_factory=threading.Condition)


class RuntimeApi:
    """The Runtime API of one execution environment, serving ``events`` in order on 127.0.0.1."""

    def __init__(self, events: list[dict[str, Any]], function_name: str, region: str) -> None:
        queued = deque((str(uuid.uuid4()), json.dumps(event).encode()) for event in events)
        self._exchange = _Exchange(queued)
        self.function_arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function_name}"
        self._http = LocalHTTPServer(self._handler_class(), "runtime-api")

    @property
    def address(self) -> str:
        """The value of AWS_LAMBDA_RUNTIME_API: host:port, no scheme."""
        return self._http.address

    @property
    def next_requests_ns(self) -> list[int]:
        with self._exchange.condition:
            return list(self._exchange.next_requests_ns)

    @property
    def outcomes(self) -> list[Outcome]:
        with self._exchange.condition:
            return list(self._exchange.outcomes)

    def wait_for_outcomes(self, count: int, timeout_seconds: float) -> list[Outcome]:
        """Block until ``count`` invocations are answered or init failed; the outcomes so far."""
        exchange = self._exchange
        with exchange.condition:
            exchange.condition.wait_for(
                lambda: (
                    len(exchange.outcomes) >= count
                    or any(outcome.kind == "init_error" for outcome in exchange.outcomes)
                ),
                timeout=timeout_seconds,
            )
            return list(exchange.outcomes)

    def __enter__(self) -> RuntimeApi:
        self._http.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._exchange.condition:
            self._exchange.closing = True
            self._exchange.condition.notify_all()
        self._http.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        exchange, function_arn = self._exchange, self.function_arn

        class Handler(_RuntimeApiHandler):
            pass

        Handler.exchange, Handler.function_arn = exchange, function_arn
        return Handler


class _RuntimeApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the runtime client's HTTP library expects
    exchange: _Exchange
    function_arn: str

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the benchmark reports what matters."""

    def handle(self) -> None:
        # The benchmark ends the function's process (where Lambda would freeze it) mid-connection.
        with contextlib.suppress(ConnectionError):
            super().handle()

    def do_GET(self) -> None:
        if self.path != NEXT_PATH:
            self._reply(HTTPStatus.NOT_FOUND, {"errorMessage": f"unknown path {self.path}"})
            return
        exchange = self.exchange
        with exchange.condition:
            exchange.next_requests_ns.append(time.perf_counter_ns())
            exchange.condition.wait_for(lambda: exchange.events or exchange.closing)
            if exchange.closing:
                self.close_connection = True
                return
            request_id, body = exchange.events.popleft()
        deadline_ms = int(time.time() * 1000) + FUNCTION_TIMEOUT_MS
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", JSON)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
        self.send_header("Lambda-Runtime-Deadline-Ms", str(deadline_ms))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", self.function_arn)
        self.send_header(
            "Lambda-Runtime-Trace-Id", f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};Sampled=0"
        )
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        received_ns = time.perf_counter_ns()
        error_type = self.headers.get(ERROR_TYPE_HEADER, "")
        result = INVOCATION_RESULT.match(self.path)
        if result:
            outcome = Outcome(result["kind"], result["request_id"], received_ns, body, error_type)
        elif self.path == INIT_ERROR_PATH:
            outcome = Outcome("init_error", "", received_ns, body, error_type)
        else:
            self._reply(HTTPStatus.NOT_FOUND, {"errorMessage": f"unknown path {self.path}"})
            return
        with self.exchange.condition:
            self.exchange.outcomes.append(outcome)
            self.exchange.condition.notify_all()
        self._reply(HTTPStatus.ACCEPTED, {"status": "OK"})

    def _reply(self, status: HTTPStatus, payload: dict[str, str]) -> None:
        send_body(self, status, json.dumps(payload).encode(), JSON)
