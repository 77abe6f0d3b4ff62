"""The answers senders require before they deliver: CORS preflights, Slack's url_verification and
Meta's (Facebook, Instagram, WhatsApp) hub.challenge subscription check."""

from __future__ import annotations

import hmac
import json

from django.http import HttpRequest, HttpResponse

from endpoints.models import EndpointRule
from endpoints.signatures import VALID


def is_cors_preflight(request: HttpRequest) -> bool:
    return (
        request.method == "OPTIONS"
        and "HTTP_ORIGIN" in request.META
        and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META
    )


def allowed_origin(rule: EndpointRule, request: HttpRequest) -> str | None:
    """The Access-Control-Allow-Origin value for this request, or None when its origin is not allowed."""
    origin = request.META.get("HTTP_ORIGIN")
    origins = rule.cors_origins()
    if origin is None or not origins:
        return None
    if "*" in origins:
        return "*"
    return origin if origin in origins else None


def add_cors_headers(response: HttpResponse, rule: EndpointRule, request: HttpRequest) -> None:
    if not rule.answers_cors:
        return
    origin = allowed_origin(rule, request)
    response["Vary"] = "Origin"
    if origin is not None:
        response["Access-Control-Allow-Origin"] = origin


def preflight_response(rule: EndpointRule, request: HttpRequest) -> HttpResponse:
    """204 with the rule's methods and headers; without Allow-Origin the browser blocks the request."""
    response = HttpResponse(status=204)
    add_cors_headers(response, rule, request)
    if allowed_origin(rule, request) is not None:
        response["Access-Control-Allow-Methods"] = rule.cors_allowed_methods
        if rule.cors_allowed_headers:
            response["Access-Control-Allow-Headers"] = rule.cors_allowed_headers
        response["Access-Control-Max-Age"] = str(rule.cors_max_age)
    return response


def slack_challenge(rule: EndpointRule, request: HttpRequest, body: bytes, signature: str) -> str | None:
    """The challenge of a url_verification event, when the rule answers it and the request is
    authentic (or the rule verifies nothing): Slack's docs say to verify before answering."""
    if not rule.slack_url_verification or request.method != "POST" or signature not in ("", VALID):
        return None
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(event, dict) or event.get("type") != "url_verification":
        return None
    challenge = event.get("challenge")
    return challenge if isinstance(challenge, str) else None


def meta_challenge_response(rule: EndpointRule, request: HttpRequest) -> HttpResponse | None:
    """GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...: the challenge when the token
    is the rule's (compared in constant time), 403 otherwise; None when this is no such request."""
    if not rule.has_meta_verify_token or request.method != "GET":
        return None
    if request.GET.get("hub.mode") != "subscribe" or "hub.challenge" not in request.GET:
        return None
    provided = request.GET.get("hub.verify_token", "").encode("utf-8")
    if not hmac.compare_digest(provided, rule.meta_verify_token().encode("utf-8")):
        return plain_text("hub.verify_token does not match this endpoint's verify token.", 403)
    return plain_text(request.GET["hub.challenge"], 200, newline=False)


def plain_text(text: str, status: int, newline: bool = True) -> HttpResponse:
    return HttpResponse(
        text + ("\n" if newline else ""), status=status, content_type="text/plain; charset=utf-8"
    )
