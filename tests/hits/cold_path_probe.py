"""``python -m tests.hits.cold_path_probe``: what a fresh process imports to route and store one capture.

Run by tests/hits/test_cold_path.py in its own interpreter (sys.modules of the test process holds
whatever earlier tests imported). The process sets Django up and builds the WSGI handler, as Zappa's
handler does at a Lambda function's init, then POSTs one webhook through the handler, as the first
invocation does. One JSON line on stdout: the response's status and body, and every module loaded.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from types import TracebackType

import django
from django.core.handlers.wsgi import WSGIHandler

WEBHOOK_BODY = b'{"event": "cold-path-probe"}'


def capture_environ(path: str) -> dict[str, object]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(WEBHOOK_BODY)),
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(WEBHOOK_BODY),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def main() -> None:
    django.setup(set_prefix=False)
    application = WSGIHandler()
    statuses: list[str] = []

    def start_response(
        status: str,
        headers: list[tuple[str, str]],
        exc_info: tuple[type[BaseException], BaseException, TracebackType]
        | tuple[None, None, None]
        | None = None,
        /,
    ) -> Callable[[bytes], object]:
        statuses.append(status)
        return io.BytesIO().write  # the legacy write() callable: Django returns its body instead

    body = b"".join(application(capture_environ("/hooks/cold-path"), start_response))
    print(json.dumps({"status": statuses[0], "body": body.decode(), "modules": sorted(sys.modules)}))


if __name__ == "__main__":
    main()
