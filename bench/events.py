"""The API Gateway REST (v1) events bench sends: a typical webhook delivery and a signed-in page view.

Built with tests/lambda_events.py, the suite's own builder of real event shapes, so the benchmark and
the handler tests drive Zappa with the same events.
"""

from __future__ import annotations

import json
from typing import Any

from tests.lambda_events import LambdaContext, rest_api_v1_event

STAGE = "production"
BARE_STAGE = "bare"  # bench/bare_app/zappa_settings.json
CAPTURE_PATH = "/hooks/bench"
# About the size of a small GitHub "ping"/"push" delivery.
WEBHOOK_BODY = json.dumps(
    {
        "ref": "refs/heads/main",
        "before": "0" * 40,
        "after": "1" * 40,
        "repository": {"id": 123456, "full_name": "example/webhook-site", "private": False},
        "pusher": {"name": "octocat", "email": "octocat@example.com"},
        "commits": [{"id": "1" * 40, "message": "Benchmark delivery", "author": {"name": "octocat"}}],
    }
).encode()
WEBHOOK_HEADERS = {
    "Content-Type": "application/json",
    "X-GitHub-Event": "push",
    "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    "X-Hub-Signature-256": "sha256=" + "ab" * 32,
}

__all__ = ["LambdaContext", "capture_event", "hello_event", "page_event"]


def capture_event() -> dict[str, Any]:
    return rest_api_v1_event("POST", CAPTURE_PATH, STAGE, headers=WEBHOOK_HEADERS, body=WEBHOOK_BODY)


def page_event(path: str, cookie: str, query: str = "") -> dict[str, Any]:
    return rest_api_v1_event(
        "GET", path, STAGE, query=query, headers={"Cookie": cookie, "Accept": "text/html"}
    )


def hello_event() -> dict[str, Any]:
    """What B5's bare Django reference answers: a plain GET."""
    return rest_api_v1_event("GET", "/hello", BARE_STAGE)
