"""gunicorn run from Python, with the settings that matter for capture spelled out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gunicorn.app.base import BaseApplication

# Sync workers: one request at a time per process, so each process keeps at most one database
# connection (CONN_MAX_AGE) for its whole life and no connection outlives what opened it.
DEFAULT_WORKERS = 2
# A worker silent this long (e.g. reading a body from a client that stopped sending) is replaced:
# gunicorn's read timeout for sync workers. The request it held stored nothing: bodies are read
# whole before the INSERT.
WORKER_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = DEFAULT_WORKERS
    announce: Callable[[str], None] = lambda line: print(line, flush=True)  # make clean-room waits for it

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


class LocalServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    def __init__(self, application: Any, settings: ServerSettings) -> None:
        self.application = application
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        settings = self.settings

        def when_ready(_arbiter: Any) -> None:
            from hits.startup_message import site_is_up

            settings.announce(site_is_up(f"http://{settings.address}"))

        for name, value in {
            "bind": [settings.address],
            "workers": settings.workers,
            "worker_class": "sync",
            "timeout": WORKER_TIMEOUT_SECONDS,
            "accesslog": "-",
            "when_ready": when_ready,
            # gunicorn 27 opens a control socket in ~/.gunicorn by default; two servers would share it.
            "control_socket_disable": True,
        }.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        return self.application


def serve(settings: ServerSettings) -> None:
    """Serve the Django WSGI application until interrupted (Ctrl-C / SIGTERM), once the system checks,
    the default database's included, pass (SystemCheckError otherwise, before anything listens)."""
    from django.core.wsgi import get_wsgi_application

    from webhook_site.startup_checks import check_before_serving

    application = get_wsgi_application()
    check_before_serving()
    LocalServer(application, settings).run()
