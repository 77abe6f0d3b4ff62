"""manage.py runserver, as Django ships it (static files included), made faithful for capturing.

Django's development server (wsgiref underneath) hands the app two headers no client sent: a
Content-Type taken from its header parser's default (text/plain) and an empty Content-Length, and
every request thread it starts keeps its database connection until garbage collection (Django's
own runserver does not close them, unlike its test server's ThreadedWSGIServer). Both would be
visible here: the first in stored hits, the second as connections piling up at RDS Proxy. It still
cannot read chunked request bodies (wsgiref does not de-chunk); the capture view answers 411 for
those, and `make run` serves with gunicorn, which does.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles.management.commands.runserver import Command as StaticFilesRunserver
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.db import connections


class SentHeadersOnlyRequestHandler(WSGIRequestHandler):
    def get_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environ()
        if "content-type" not in self.headers:
            environ.pop("CONTENT_TYPE", None)
        if not self.headers.get("content-length"):
            environ.pop("CONTENT_LENGTH", None)
        return environ


class FaithfulWSGIServer(WSGIServer):
    def __init__(self, server_address: Any, _handler_class: Any, *args: Any, **kwargs: Any) -> None:
        # django.core.servers.basehttp.run() always passes its own handler class; ours replaces it.
        super().__init__(server_address, SentHeadersOnlyRequestHandler, *args, **kwargs)

    def close_request(self, request: Any) -> None:
        # Runs in the request's own thread (socketserver.ThreadingMixIn): close what it opened.
        connections.close_all()
        super().close_request(request)


class Command(StaticFilesRunserver):
    server_cls = FaithfulWSGIServer
