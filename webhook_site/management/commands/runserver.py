"""manage.py runserver, as Django ships it (static files included), made faithful for capturing,
ending its start-up output with the hits page URL (hits.startup_message).

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
from django.db import DEFAULT_DB_ALIAS, connections

from hits.startup_message import site_is_up
from webhook_site.startup_checks import check_database_configuration


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

    def check(self, *args: Any, **kwargs: Any) -> None:
        """Django's start-up checks plus the default database's (webhook_site.startup_checks)."""
        check_database_configuration()
        kwargs.setdefault("databases", [DEFAULT_DB_ALIAS])
        super().check(*args, **kwargs)

    # Set by runserver's handle() from the address argument; django-stubs does not declare them.
    addr: str
    _raw_ipv6: bool

    def on_bind(self, server_port: int) -> None:
        """Called once the socket listens, after Django's own banner."""
        super().on_bind(server_port)
        host = "0.0.0.0" if self.addr == "0" else self.addr  # noqa: S104 - runserver's "0" means every interface
        if self._raw_ipv6:
            host = f"[{host}]"
        self.stdout.write(site_is_up(f"{self.protocol}://{host}:{server_port}"))
        # A pipe (make run in the background, make clean-room) would otherwise hold the line back.
        self.stdout.flush()
