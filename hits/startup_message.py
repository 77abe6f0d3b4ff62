"""The line a local server prints once it accepts connections: where the hits page is.

Server-agnostic on purpose: runserver calls it from its bind hook today
(hits/management/commands/runserver.py); a WSGI server's ready hook can call it the same way.
`make clean-room` waits for this line, so keep its "webhook_site is up: <url>" start.
"""

from __future__ import annotations

from django.urls import reverse

UP_PREFIX = "webhook_site is up: "


def site_is_up(base_url: str) -> str:
    """One line naming the hits page under ``base_url`` (scheme://host:port) and how to capture."""
    base_url = base_url.rstrip("/")
    return (
        f"{UP_PREFIX}{base_url}{reverse('hits:list')} "
        f"(capture anything else, e.g. curl -X POST {base_url}/hello)"
    )
