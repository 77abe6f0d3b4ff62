"""Requests through Django's real WSGI handler, request signals and all.

Django's test Client deliberately skips close_old_connections() at request start and end, so
CONN_MAX_AGE, CONN_HEALTH_CHECKS and our pin guard never run under it. Connection-lifecycle tests
go through the WSGI application a server (or Zappa) would call instead.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from wsgiref.util import setup_testing_defaults

from django.core.wsgi import get_wsgi_application


@dataclass
class WsgiResponse:
    status_code: int
    headers: dict[str, str]
    content: bytes = field(repr=False)

    def json(self) -> Any:
        return json.loads(self.content)

    def __getitem__(self, header: str) -> str:
        return self.headers[header.lower()]

    def __contains__(self, header: str) -> bool:
        return header.lower() in self.headers


class WsgiClient:
    def __init__(self, remote_addr: str = "203.0.113.7") -> None:
        self.application = get_wsgi_application()
        self.remote_addr = remote_addr
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes = b"", **headers: str) -> WsgiResponse:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "REMOTE_ADDR": self.remote_addr,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "HTTP_HOST": "localhost",
        }
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        environ.update(headers)
        setup_testing_defaults(environ)
        captured: dict[str, Any] = {}

        def start_response(
            status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            captured["status"] = int(status.split()[0])
            captured["headers"] = {name.lower(): value for name, value in response_headers}
            return write_never_called

        result = self.application(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            result.close()  # fires request_finished, as a WSGI server does
        return WsgiResponse(captured["status"], captured["headers"], content)

    def get(self, path: str, **headers: str) -> WsgiResponse:
        return self.request("GET", path, b"", **headers)

    def post(self, path: str, body: bytes, content_type: str, **headers: str) -> WsgiResponse:
        return self.request("POST", path, body, CONTENT_TYPE=content_type, **headers)


def write_never_called(data: bytes) -> None:
    raise AssertionError("Django answers through the iterable it returns, never through write()")
