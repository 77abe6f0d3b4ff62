"""System checks for the hits settings: a bad value stops `manage.py check` and start-up, not a request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

# Each searched body can be HITS_MAX_BODY_BYTES; a million of them would be a scan of the table the
# limit exists to prevent.
MAX_BODY_SEARCH_LIMIT = 100_000


def check_body_search_limit(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    limit: object = settings.HITS_BODY_SEARCH_LIMIT  # typed int, but whatever the environment gave
    if isinstance(limit, int) and 1 <= limit <= MAX_BODY_SEARCH_LIMIT:
        return []
    return [
        checks.Error(
            f"HITS_BODY_SEARCH_LIMIT is {limit!r}",
            hint=f"set it to a whole number of hits from 1 to {MAX_BODY_SEARCH_LIMIT:,} (default 5000)",
            id="hits.E001",
        )
    ]
