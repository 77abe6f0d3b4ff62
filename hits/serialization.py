"""The JSON API's representation of a Hit. Field names are a public contract (docs/api.md)."""

from __future__ import annotations

import base64
from typing import Any

from hits.models import Hit


def hit_summary(hit: Hit) -> dict[str, Any]:
    """Everything but the body: what a list page needs."""
    return {
        "id": hit.id,
        "received_at": hit.received_at.isoformat(),
        "method": hit.method,
        "path": hit.path,
        "query_string": hit.query_string,
        "headers": hit.headers,
        "content_type": hit.content_type,
        "body_size": hit.body_size,
        "client_address": hit.client_address,
        "user_agent": hit.user_agent,
        "signature": hit.signature,
    }


def hit_full(hit: Hit) -> dict[str, Any]:
    """The summary plus the exact body, base64-encoded."""
    return {**hit_summary(hit), "body_base64": base64.b64encode(bytes(hit.body)).decode("ascii")}
