"""Capture under endpoint rules, through Django's test client: the outcome stored and shown, the
longest prefix chosen, today's behaviour without a rule, preflights recorded or not."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from endpoints.signatures import Scheme
from hits.models import Hit
from tests.endpoints.rules import make_rule

pytestmark = pytest.mark.django_db

SECRET = "gh-webhook-secret-8c1e"
BODY = b'{"action": "opened", "number": 7}'


def github_signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def staff_client(db: Any) -> Client:
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.force_login(User.objects.create_superuser("operator", "op@example.com", "pw-not-used-1"))
    return client


def post(client: Client, path: str, body: bytes, **headers: str) -> Any:
    return client.post(path, body, content_type="application/json", headers=headers)


def test_a_valid_github_signature_shows_valid_on_the_page_and_in_the_api(staff_client: Client) -> None:
    make_rule("/github", secret=SECRET, scheme=Scheme.GITHUB)
    response = post(Client(), "/github/repo", BODY, X_Hub_Signature_256=github_signature(BODY))
    hit_id = response.json()["id"]
    assert response.status_code == 200
    page = staff_client.get(f"/_/hits/{hit_id}").content.decode()
    assert '<dd class="signature">valid</dd>' in page
    assert staff_client.get(f"/_/api/hits/{hit_id}").json()["signature"] == "valid"


def test_the_same_body_with_one_byte_changed_shows_invalid(staff_client: Client) -> None:
    make_rule("/github", secret=SECRET, scheme=Scheme.GITHUB)
    tampered = BODY.replace(b"7", b"8")
    hit_id = post(Client(), "/github", tampered, X_Hub_Signature_256=github_signature(BODY)).json()["id"]
    expected = "invalid: signature does not match the body and secret"
    assert expected in staff_client.get(f"/_/hits/{hit_id}").content.decode()
    assert staff_client.get(f"/_/api/hits/{hit_id}").json()["signature"] == expected
    assert bytes(Hit.objects.get(pk=hit_id).body) == tampered


def test_no_rule_is_todays_behaviour(client: Client) -> None:
    make_rule("/github", secret=SECRET, scheme=Scheme.GITHUB)
    response = post(client, "/githubx/hook", BODY, X_Hub_Signature_256="sha256=00")
    assert response.status_code == 200
    assert response.json() == {"id": Hit.objects.get().id}
    assert Hit.objects.get().signature == ""
    assert Hit.objects.get().endpoint_id is None


def test_the_longest_prefix_wins(client: Client) -> None:
    make_rule("/hooks", response_status=202)
    inner = make_rule("/hooks/stripe", response_status=201)
    make_rule("/", response_status=200)
    assert post(client, "/hooks/stripe/live", b"{}").status_code == 201
    assert Hit.objects.get().endpoint_id == inner.id
    assert post(client, "/hooks/other", b"{}").status_code == 202
    assert post(client, "/elsewhere", b"{}").status_code == 200


def test_a_missing_signature_is_stored_as_no_signature(client: Client) -> None:
    make_rule("/github", secret=SECRET, scheme=Scheme.GITHUB)
    post(client, "/github", BODY)
    assert Hit.objects.get().signature == "no signature"


def test_the_signature_header_is_verified_before_redaction_and_stored_as_sent(
    client: Client, settings: Any
) -> None:
    settings.HITS_REDACTED_HEADERS = ["X-Hub-Signature-256"]
    make_rule("/github", secret=SECRET, scheme=Scheme.GITHUB)
    post(client, "/github", BODY, X_Hub_Signature_256=github_signature(BODY))
    hit = Hit.objects.get()
    assert hit.signature == "valid"
    assert ["X-Hub-Signature-256", "[redacted]"] in hit.headers


def test_a_rule_without_verification_stores_an_empty_outcome(client: Client) -> None:
    make_rule("/plain", response_status=201)
    post(client, "/plain", BODY)
    assert Hit.objects.get().signature == ""


def test_a_preflight_is_answered_and_not_recorded_unless_the_rule_says_so(client: Client) -> None:
    make_rule("/browser", cors_allowed_origins="https://app.example")
    preflight = client.options(
        "/browser/submit",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "https://app.example"
    assert preflight["Access-Control-Allow-Methods"] == "GET, POST, PUT, PATCH, DELETE"
    assert not Hit.objects.exists()


def test_a_recorded_preflight_is_stored_and_answered(client: Client) -> None:
    make_rule("/browser", cors_allowed_origins="*", record_preflight=True)
    preflight = client.options(
        "/browser", headers={"Origin": "https://any.example", "Access-Control-Request-Method": "PUT"}
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert Hit.objects.get().method == "OPTIONS"


def test_a_preflight_from_an_origin_not_allowed_gets_no_allow_origin(client: Client) -> None:
    make_rule("/browser", cors_allowed_origins="https://app.example")
    preflight = client.options(
        "/browser", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204
    assert "Access-Control-Allow-Origin" not in preflight


def test_the_actual_cors_request_gets_allow_origin(client: Client) -> None:
    make_rule("/browser", cors_allowed_origins="https://app.example")
    response = post(client, "/browser", b"{}", Origin="https://app.example")
    assert response["Access-Control-Allow-Origin"] == "https://app.example"
    assert response["Vary"] == "Origin"


def test_an_options_request_that_is_no_preflight_is_recorded(client: Client) -> None:
    make_rule("/browser", cors_allowed_origins="*")
    client.options("/browser")
    assert Hit.objects.get().method == "OPTIONS"


def test_a_slack_challenge_with_a_bad_signature_is_not_echoed(client: Client) -> None:
    make_rule("/slack", secret="slack-secret", scheme=Scheme.SLACK, slack_url_verification=True)
    body = json.dumps({"type": "url_verification", "challenge": "c-123"}).encode()
    response = post(client, "/slack", body, X_Slack_Signature="v0=00", X_Slack_Request_Timestamp="1")
    assert response.content != b"c-123"
    assert Hit.objects.get().signature.startswith("invalid: ")


def test_deleting_a_rule_leaves_its_hits_untouched(client: Client) -> None:
    rule = make_rule("/github", secret=SECRET, scheme=Scheme.GITHUB)
    post(client, "/github", BODY, X_Hub_Signature_256=github_signature(BODY))
    rule_id = rule.id
    rule.delete()
    hit = Hit.objects.get()
    assert (hit.endpoint_id, hit.signature) == (rule_id, "valid")
    assert post(client, "/github", BODY).json() == {"id": hit.id + 1}  # today's answer again
