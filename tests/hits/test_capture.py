"""Capture: any method on any captured path becomes a committed Hit before the response."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from hits.capture import REDACTED
from hits.models import Hit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"])
def test_any_method_on_any_path_is_recorded(client: Client, method: str) -> None:
    response = client.generic(method, "/any/deep/path?x=1&x=2", b"payload", content_type="text/plain")
    assert response.status_code == 200
    hit = Hit.objects.get(id=response.json()["id"])
    assert (hit.method, hit.path, hit.query_string, bytes(hit.body)) == (
        method,
        "/any/deep/path",
        "x=1&x=2",
        b"payload",
    )


def test_head_is_recorded_without_a_body_in_the_answer(client: Client) -> None:
    response = client.head("/ping")
    assert response.status_code == 200
    assert response.content == b""
    assert Hit.objects.get().method == "HEAD"


def test_post_json_records_the_exact_body_and_metadata(client: Client) -> None:
    response = client.post(
        "/webhooks/stripe", b'{"a": 1}', content_type="application/json", HTTP_USER_AGENT="curl/8"
    )
    hit = Hit.objects.get(id=response.json()["id"])
    assert bytes(hit.body) == b'{"a": 1}'
    assert hit.body_size == 8
    assert hit.content_type == "application/json"
    assert hit.user_agent == "curl/8"
    assert hit.client_address == "203.0.113.7"
    assert hit.received_at is not None


def test_client_address_ignores_forwarded_for(client: Client) -> None:
    client.get("/x", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert Hit.objects.get().client_address == "203.0.113.7"


def test_headers_are_kept_in_order_with_sensitive_values_redacted(client: Client) -> None:
    client.post(
        "/hook",
        b"",
        content_type="text/plain",
        HTTP_X_FIRST="1",
        HTTP_AUTHORIZATION="Bearer s3cret-token",
        HTTP_COOKIE="session=abc",
        HTTP_X_API_KEY="key-123",
        HTTP_PROXY_AUTHORIZATION="Basic dXNlcjpwYXNz",
        HTTP_X_LAST="2",
    )
    headers = Hit.objects.get().headers
    names = [name for name, _ in headers]
    assert names.index("X-First") < names.index("Authorization") < names.index("X-Last")
    values = dict(headers)
    assert values["Authorization"] == f"Bearer {REDACTED}"
    assert values["Proxy-Authorization"] == f"Basic {REDACTED}"
    assert values["Cookie"] == REDACTED
    assert values["X-Api-Key"] == REDACTED
    assert "s3cret-token" not in str(headers)


@override_settings(HITS_REDACTED_HEADERS=["X-Hub-Signature"])
def test_configured_headers_are_redacted_too(client: Client) -> None:
    client.get("/hook", HTTP_X_HUB_SIGNATURE="sha1=deadbeef")
    assert dict(Hit.objects.get().headers)["X-Hub-Signature"] == REDACTED


def test_utf8_header_bytes_are_shown_as_text(client: Client) -> None:
    # A WSGI server hands header bytes over as Latin-1 text (PEP 3333).
    client.get("/hook", HTTP_X_NAME="café".encode().decode("latin-1"))
    assert dict(Hit.objects.get().headers)["X-Name"] == "café"


def test_browser_get_shows_the_table_with_the_new_hit(client: Client) -> None:
    response = client.get("/hello", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    hit = Hit.objects.get()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert f'recorded as hit <a href="/_/hits/{hit.id}">#{hit.id}</a>' in response.content.decode()


def test_curl_style_get_gets_a_json_ack(client: Client) -> None:
    response = client.get("/hello", HTTP_ACCEPT="*/*")
    assert response.json() == {"id": Hit.objects.get().id}


def test_capture_is_csrf_exempt() -> None:
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/form-target", {"a": "b"}).status_code == 200
    assert Hit.objects.count() == 1


@override_settings(HITS_MAX_BODY_BYTES=10)
def test_oversized_body_gets_413_and_nothing_is_stored(client: Client) -> None:
    response = client.post("/big", b"x" * 11, content_type="application/octet-stream")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")
    assert "too large" in response.content.decode()
    assert Hit.objects.count() == 0
    assert client.post("/ok", b"x" * 10, content_type="application/octet-stream").status_code == 200
    assert Hit.objects.count() == 1


def test_default_body_limit_is_one_mebibyte(client: Client) -> None:
    limit = 1024 * 1024
    assert client.post("/ok", b"\0" * limit, content_type="application/octet-stream").status_code == 200
    assert (
        client.post("/big", b"\0" * (limit + 1), content_type="application/octet-stream").status_code == 413
    )
    assert [hit.body_size for hit in Hit.objects.all()] == [limit]


def test_overlong_method_is_refused_clearly(client: Client) -> None:
    response = client.generic("X" * 40, "/x")
    assert response.status_code == 400
    assert Hit.objects.count() == 0


@pytest.mark.parametrize("path", ["/_/nothing-here", "/_", "/static/missing.css", "/admin/nope/"])
def test_the_apps_own_namespace_is_never_captured(client: Client, path: str) -> None:
    client.post(path, b"x", content_type="text/plain")
    assert Hit.objects.count() == 0


def test_admin_without_slash_redirects_instead_of_capturing(client: Client) -> None:
    response = client.get("/admin")
    assert response.status_code == 302
    assert Hit.objects.count() == 0


def test_paths_that_only_start_like_reserved_ones_are_captured(client: Client) -> None:
    for path in ("/_x", "/administrator", "/statics"):
        client.get(path)
    assert sorted(Hit.objects.values_list("path", flat=True)) == ["/_x", "/administrator", "/statics"]


@override_settings(HITS_MAX_BODY_BYTES=4 * 1024 * 1024)
def test_body_limit_is_ours_not_djangos_form_limit(client: Client) -> None:
    body = b"a=" + b"x" * (3 * 1024 * 1024)  # over DATA_UPLOAD_MAX_MEMORY_SIZE, under our limit
    response = client.post("/big-form", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert Hit.objects.get().body_size == len(body)
