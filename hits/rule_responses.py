"""The answer an endpoint rule gives once its hit is stored: a handshake, a preflight or the configured
response (endpoints/ holds the pieces; this puts them in order around a capture)."""

from __future__ import annotations

import time
from string import Template

from django.http import HttpRequest, HttpResponse

from endpoints.handshakes import (
    add_cors_headers,
    is_cors_preflight,
    meta_challenge_response,
    plain_text,
    preflight_response,
    slack_challenge,
)
from endpoints.models import MAX_DELAY_MS, EndpointRule
from hits.capture import Captured


def rule_response(captured: Captured, request: HttpRequest) -> HttpResponse:
    """What the rule answers; the configured delay is served after the hit is committed."""
    rule = captured.rule
    assert rule is not None  # the caller answers rule-less captures itself
    response = handshake_or_configured(rule, captured, request)
    add_cors_headers(response, rule, request)
    # Clamped again here: a rule saved around the admin's validation still cannot outlast the gateway.
    delay_ms = min(rule.response_delay_ms, MAX_DELAY_MS)
    if delay_ms and captured.hit is not None:
        time.sleep(delay_ms / 1000)
    return response


def handshake_or_configured(rule: EndpointRule, captured: Captured, request: HttpRequest) -> HttpResponse:
    if rule.answers_cors and is_cors_preflight(request):
        return preflight_response(rule, request)
    meta = meta_challenge_response(rule, request)
    if meta is not None:
        return meta
    hit = captured.hit
    assert hit is not None  # only unrecorded preflights have no hit, and they were answered above
    challenge = slack_challenge(rule, request, captured.received.body, hit.signature)
    if challenge is not None:
        return plain_text(challenge, 200, newline=False)
    return configured_response(rule, hit.id)


def configured_response(rule: EndpointRule, hit_id: int) -> HttpResponse:
    """Status, content type, headers and body, with $hit_id filled in (nothing else is substituted)."""
    values = {"hit_id": str(hit_id)}
    response = HttpResponse(
        Template(rule.response_body).safe_substitute(values).encode("utf-8"),
        status=rule.response_status,
        content_type=rule.response_content_type or "text/plain; charset=utf-8",
    )
    for name, value in rule.response_headers.items():
        response[name] = Template(value).safe_substitute(values)
    return response
