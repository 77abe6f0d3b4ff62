"""Rule responses through Zappa's real LambdaHandler with API Gateway events: status, headers, body
template, delay, Slack's url_verification, Meta's hub.challenge and CORS preflights; each rule is
matched on the path without the REST API's stage prefix."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from zappa.handler import LambdaHandler

from endpoints.signatures import Scheme
from hits.models import Hit
from tests.endpoints.rules import make_rule
from tests.endpoints.senders import slack
from tests.lambda_events import http_api_v2_event, response_body, rest_api_v1_event
from tests.webhook_site.test_lambda_handler import EVENT_KINDS, invoke, production_handler

__all__ = ["production_handler"]  # the fixture, shared with the handler's own tests

pytestmark = pytest.mark.django_db(transaction=True)


def header(response: dict[str, Any], name: str) -> str | None:
    """A response header as the gateway gets it (Zappa fills headers, and multiValueHeaders for v1)."""
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return None


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_status_headers_and_body_template(production_handler: LambdaHandler, kind: str) -> None:
    make_rule(
        "/orders",
        response_status=201,
        response_content_type="application/json",
        response_headers={"Location": "/_/hits/$hit_id", "X-Receiver": "orders"},
        response_body='{"created": $hit_id, "literal": "$$hit_id"}',
    )
    make_event, _prefix = EVENT_KINDS[kind]
    response = invoke(production_handler, make_event("POST", "/orders/new", body=b'{"sku": 1}'))
    hit = Hit.objects.get()
    assert response["statusCode"] == 201
    assert header(response, "Location") == f"/_/hits/{hit.id}"
    assert header(response, "X-Receiver") == "orders"
    assert header(response, "Content-Type") == "application/json"
    assert json.loads(response_body(response)) == {"created": hit.id, "literal": "$hit_id"}


def test_a_failure_status_is_answered_and_the_hit_is_still_stored(production_handler: LambdaHandler) -> None:
    make_rule("/flaky", response_status=503, response_body="try later", response_content_type="text/plain")
    response = invoke(production_handler, http_api_v2_event("POST", "/flaky", body=b"x"))
    assert response["statusCode"] == 503
    assert response_body(response) == b"try later"
    assert bytes(Hit.objects.get().body) == b"x"


def test_the_delay_is_served_after_the_hit_is_committed(production_handler: LambdaHandler) -> None:
    make_rule("/slow", response_delay_ms=300)
    started = time.monotonic()
    response = invoke(production_handler, http_api_v2_event("POST", "/slow", body=b"{}"))
    assert time.monotonic() - started >= 0.3
    assert response["statusCode"] == 200
    assert Hit.objects.count() == 1


def test_slack_url_verification_echoes_the_challenge(production_handler: LambdaHandler) -> None:
    secret = "slack-signing-secret-31"
    make_rule("/slack", secret=secret, scheme=Scheme.SLACK, slack_url_verification=True)
    body = json.dumps(
        {
            "token": "t",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    ).encode()
    headers = dict(slack(secret, body, int(time.time())))
    response = invoke(
        production_handler,
        rest_api_v1_event(
            "POST",
            "/slack/events",
            "production",
            headers={**headers, "Content-Type": "application/json"},
            body=body,
        ),
    )
    assert response["statusCode"] == 200
    assert response_body(response) == b"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    assert header(response, "Content-Type") == "text/plain; charset=utf-8"
    assert Hit.objects.get().signature == "valid"


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_meta_hub_challenge_on_get(production_handler: LambdaHandler, kind: str) -> None:
    make_rule("/whatsapp", meta_verify_token="verify-me-42")
    make_event, _prefix = EVENT_KINDS[kind]
    query = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-me-42"
    response = invoke(production_handler, make_event("GET", "/whatsapp", query=query))
    assert response["statusCode"] == 200
    assert response_body(response) == b"1158201444"
    assert Hit.objects.get().method == "GET"


def test_meta_hub_challenge_with_the_wrong_token_is_refused(production_handler: LambdaHandler) -> None:
    make_rule("/whatsapp", meta_verify_token="verify-me-42")
    query = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess"
    response = invoke(production_handler, http_api_v2_event("GET", "/whatsapp", query=query))
    assert response["statusCode"] == 403
    assert b"1158201444" not in response_body(response)


def test_cors_preflight_is_answered_per_rule_and_not_recorded(production_handler: LambdaHandler) -> None:
    make_rule(
        "/forms", cors_allowed_origins="https://shop.example", cors_allowed_headers="Content-Type, X-Token"
    )
    headers = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    response = invoke(production_handler, http_api_v2_event("OPTIONS", "/forms", headers=headers))
    assert response["statusCode"] == 204
    assert header(response, "Access-Control-Allow-Origin") == "https://shop.example"
    assert header(response, "Access-Control-Allow-Headers") == "Content-Type, X-Token"
    assert header(response, "Access-Control-Max-Age") == "600"
    assert not Hit.objects.exists()


def test_cors_preflight_recorded_when_the_rule_says_so(production_handler: LambdaHandler) -> None:
    make_rule("/forms", cors_allowed_origins="*", record_preflight=True)
    headers = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    response = invoke(
        production_handler, rest_api_v1_event("OPTIONS", "/forms", "production", headers=headers)
    )
    assert response["statusCode"] == 204
    assert Hit.objects.get().path == "/production/forms"
