"""The line a local server prints once it accepts connections: where the hits page is.

Server-agnostic on purpose: local_server (gunicorn, `make run` and `make stack`) prints it when its
workers are ready, manage.py runserver from its bind hook (webhook_site/management/commands/runserver.py).
`make clean-room` waits for this line, so keep its "webhook_site is up: <url>" start.
"""

from __future__ import annotations

from django.urls import get_script_prefix, reverse, set_script_prefix

UP_PREFIX = "webhook_site is up: "


def site_is_up(base_url: str) -> str:
    """One line naming the hits page under ``base_url`` (scheme://host:port) and how to capture."""
    base_url = base_url.rstrip("/")
    return (
        f"{UP_PREFIX}{base_url}{hits_page_path()} (capture anything else, e.g. curl -X POST {base_url}/hello)"
    )


def hits_page_path() -> str:
    """The hits page's path from the server's root: ``base_url`` already is where the site is mounted,
    so a script prefix this thread may carry (Zappa's handler sets one per event) must not be added."""
    carried = get_script_prefix()
    set_script_prefix("/")
    try:
        return reverse("hits:list")
    finally:
        set_script_prefix(carried)
