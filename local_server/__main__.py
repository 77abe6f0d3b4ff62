"""``python -m local_server [--port 8000]``: serve the site (DJANGO_SETTINGS_MODULE's) with gunicorn."""

from __future__ import annotations

import argparse
import os

from django.core.management.base import SystemCheckError

from local_server.server import DEFAULT_WORKERS, ServerSettings, serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m local_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webhook_site.settings")
    try:
        serve(ServerSettings(host=args.host, port=args.port, workers=args.workers))
    except SystemCheckError as error:
        raise SystemExit(f"not serving: {error}") from error


if __name__ == "__main__":
    main()
