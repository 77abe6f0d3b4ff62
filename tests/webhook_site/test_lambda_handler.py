"""Zappa's real LambdaHandler, with the settings `zappa save-python-settings-file` writes, serving
REST API (v1, stage prefix), HTTP API (v2) and Function URL events."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import resolve
from zappa.handler import LambdaHandler

from hits.models import Hit
from tests.lambda_events import (
    SOURCE_IP,
    LambdaContext,
    function_url_event,
    http_api_v2_event,
    response_body,
    rest_api_v1_event,
)

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]


def save_python_settings(stage: str, directory: Path) -> Path:
    """What `zappa save-python-settings-file <stage>` writes; no AWS involved."""
    target = directory / "zappa_settings.py"
    zappa = Path(sys.executable).with_name("zappa")
    subprocess.run(  # noqa: S603 - the zappa CLI from our own virtualenv
        [str(zappa), "save-python-settings-file", stage, "-o", str(target)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return target


def reset_handler_singleton() -> None:
    LambdaHandler._LambdaHandler__instance = None
    LambdaHandler.settings = None


@pytest.fixture
def production_handler(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LambdaHandler]:
    """The handler as Lambda builds it for the production stage (Django already set up here)."""
    save_python_settings("production", tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    saved_environment = dict(os.environ)
    # What the stage's environment variables turn on in settings, applied to this process's settings.
    settings.HITS_REQUIRE_LOGIN = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.ALLOWED_HOSTS = [".execute-api.us-east-1.amazonaws.com", ".lambda-url.us-east-1.on.aws"]
    reset_handler_singleton()
    try:
        yield LambdaHandler("zappa_settings")
    finally:
        reset_handler_singleton()
        sys.modules.pop("zappa_settings", None)
        os.environ.clear()
        os.environ.update(saved_environment)


def invoke(handler: LambdaHandler, event: dict[str, Any]) -> dict[str, Any]:
    return handler.handler(event, LambdaContext())


# The three ways API Gateway or Lambda deliver an HTTP request, and the path prefix each leaves to Django.
EVENT_KINDS: dict[str, tuple[Callable[..., dict[str, Any]], str]] = {
    "rest-v1": (
        lambda method, path, **kw: rest_api_v1_event(method, path, "production", **kw),
        "/production",
    ),
    "http-api-v2": (http_api_v2_event, ""),
    "function-url": (function_url_event, ""),
}


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_binary_capture_is_stored_byte_exact(production_handler: LambdaHandler, kind: str) -> None:
    make_event, _prefix = EVENT_KINDS[kind]
    body = bytes(range(256)) + b"\x00\xff invalid utf-8 \xc3\x28"
    headers = {"Content-Type": "application/octet-stream"}
    response = invoke(
        production_handler, make_event("POST", "/hooks/github", query="a=1", body=body, headers=headers)
    )
    assert response["statusCode"] == 200, response
    hit = Hit.objects.get()
    assert bytes(hit.body) == body
    assert hit.query_string == "a=1"
    assert hit.method == "POST"
    assert hit.client_address == "198.51.100.23"


def test_rest_api_capture_path_includes_the_stage_prefix(production_handler: LambdaHandler) -> None:
    invoke(production_handler, rest_api_v1_event("GET", "/ping", "production"))
    assert Hit.objects.get().path == "/production/ping"


def test_anonymous_hits_page_redirects_to_the_login_under_the_stage(
    production_handler: LambdaHandler,
) -> None:
    response = invoke(production_handler, rest_api_v1_event("GET", "/_/", "production"))
    assert response["statusCode"] == 302
    assert response["headers"]["Location"] == "/production/admin/login/?next=/production/_/"


def test_staff_sees_the_hits_page_with_stage_prefixed_links(
    production_handler: LambdaHandler, django_user_model: Any
) -> None:
    staff = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    browser = Client()
    browser.force_login(staff)
    session_cookie = f"sessionid={browser.cookies['sessionid'].value}"
    Hit.objects.create(method="POST", path="/production/hooks/x")
    event = rest_api_v1_event("GET", "/_/", "production", headers={"Cookie": session_cookie})
    response = invoke(production_handler, event)
    html = response_body(response).decode()
    assert response["statusCode"] == 200
    assert 'href="/production/static/hits/style.css"' in html
    assert "/production/hooks/x" in html


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_admin_login_page_and_its_css(production_handler: LambdaHandler, kind: str) -> None:
    make_event, prefix = EVENT_KINDS[kind]
    login = invoke(production_handler, make_event("GET", "/admin/login/"))
    html = response_body(login).decode()
    assert login["statusCode"] == 200
    assert f'href="{prefix}/static/admin/css/base.css"' in html
    css = invoke(production_handler, make_event("GET", "/static/admin/css/base.css"))
    assert css["statusCode"] == 200
    assert css["headers"]["Content-Type"].startswith("text/css")
    assert b"body" in response_body(css)


def test_one_container_links_assets_right_for_every_event_kind(production_handler: LambdaHandler) -> None:
    # A warm container can serve REST API (stage prefix) and Function URL (no prefix) events in turn.
    for event, prefix in [
        (rest_api_v1_event("GET", "/admin/login/", "production"), "/production"),
        (function_url_event("GET", "/admin/login/"), ""),
        (rest_api_v1_event("GET", "/admin/login/", "production"), "/production"),
    ]:
        html = response_body(invoke(production_handler, event)).decode()
        assert f'href="{prefix}/static/admin/css/base.css"' in html


def stage_touch_path(stage: str) -> str:
    """The path `zappa deploy`/`update` GET after deploying (zappa/cli.py touch_endpoint; default "/")."""
    settings = json.loads((REPO / "zappa_settings.json").read_text())
    while stage:
        if "touch_path" in settings[stage]:
            return str(settings[stage]["touch_path"])
        stage = settings[stage].get("extends")
    return "/"


def test_the_touch_path_is_the_health_check() -> None:
    assert resolve(stage_touch_path("production")).view_name == "hits:health"


@pytest.mark.mariadb_only  # closing SQLite's in-memory test database would drop it
def test_touch_answers_ok_without_a_database(
    production_handler: LambdaHandler, unreachable_database: None
) -> None:
    # The first deploy: the function runs before any database user exists (docs/deploy.md §3, §4).
    response = invoke(
        production_handler, rest_api_v1_event("GET", stage_touch_path("production"), "production")
    )

    assert response["statusCode"] == 200, response
    assert response_body(response) == b"ok\n"


def test_touch_stores_nothing_and_sends_no_query(
    production_handler: LambdaHandler, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        response = invoke(
            production_handler, rest_api_v1_event("GET", stage_touch_path("production"), "production")
        )

    assert response["statusCode"] == 200
    assert Hit.objects.count() == 0


def test_zappa_default_touch_path_would_be_captured(production_handler: LambdaHandler) -> None:
    # The control: "/" (Zappa's default) is a capture, so every deploy would have stored a hit.
    response = invoke(production_handler, rest_api_v1_event("GET", "/", "production"))

    assert response["statusCode"] == 200
    assert Hit.objects.get().path == "/production/"


@pytest.mark.mariadb_only  # closing SQLite's in-memory test database would drop it
def test_zappa_default_touch_path_fails_the_first_deploy(
    production_handler: LambdaHandler, unreachable_database: None
) -> None:
    # touch_endpoint raises "Status check on the deployed lambda failed" for any status >= 500.
    response = invoke(production_handler, rest_api_v1_event("GET", "/", "production"))

    assert response["statusCode"] == 503


# A client that forges X-Forwarded-For and repeats a header, with names in mixed case.
CLIENT_HEADERS = [
    ("X-Forwarded-For", "1.2.3.4"),
    ("X-Repeat", "one"),
    ("X-MiXeD-Case", "value"),
    ("X-Repeat", "two"),
]


def stored_header(name: str) -> list[str]:
    return [value for key, value in Hit.objects.get().headers if key.lower() == name.lower()]


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_client_address_is_the_gateways_source_ip_never_a_forged_forwarded_for(
    production_handler: LambdaHandler, kind: str
) -> None:
    make_event, _prefix = EVENT_KINDS[kind]
    invoke(production_handler, make_event("POST", "/hooks/x", headers=CLIENT_HEADERS, body=b"{}"))

    assert Hit.objects.get().client_address == SOURCE_IP
    # The header itself is kept as the gateway passed it on: the forged value, then the real peer.
    assert stored_header("X-Forwarded-For") == [f"1.2.3.4, {SOURCE_IP}"]


def test_rest_api_capture_keeps_header_name_case_and_every_repeat(production_handler: LambdaHandler) -> None:
    invoke(production_handler, rest_api_v1_event("POST", "/hooks/x", "production", headers=CLIENT_HEADERS))

    kept = [pair for pair in Hit.objects.get().headers if pair[0] in ("X-Repeat", "X-MiXeD-Case")]
    assert kept == [["X-Repeat", "one"], ["X-Repeat", "two"], ["X-MiXeD-Case", "value"]]


@pytest.mark.parametrize("kind", ["http-api-v2", "function-url"])
def test_payload_v2_capture_stores_headers_as_the_gateway_delivers_them(
    production_handler: LambdaHandler, kind: str
) -> None:
    make_event, _prefix = EVENT_KINDS[kind]
    invoke(production_handler, make_event("POST", "/hooks/x", headers=CLIENT_HEADERS, cookies=["a=1", "b=2"]))

    # Payload 2.0 lower-cases names and joins repeats with commas before the function sees them.
    assert stored_header("x-repeat") == ["one,two"]
    assert stored_header("x-mixed-case") == ["value"]
    assert stored_header("cookie") == ["[redacted]"]


@pytest.mark.parametrize("kind", ["http-api-v2", "function-url"])
def test_payload_v2_capture_stores_the_raw_query_string(production_handler: LambdaHandler, kind: str) -> None:
    make_event, _prefix = EVENT_KINDS[kind]
    raw = "b=2&a=1&a=%20x+y&flag&e=%F0%9F%8E%89"
    invoke(production_handler, make_event("GET", "/hooks/q", query=raw))

    assert Hit.objects.get().query_string == raw


def test_rest_api_capture_rebuilds_the_query_string_losslessly(production_handler: LambdaHandler) -> None:
    # REST API events carry decoded parameters only: every value survives, percent-encoded; the
    # order across different keys and the client's own encoding choices do not reach the function.
    invoke(production_handler, rest_api_v1_event("GET", "/hooks/q", "production", query="b=2&a=1&a=%20x+y"))

    assert Hit.objects.get().query_string == "b=2&a=1&a=%20x%20y"


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_a_body_on_any_method_is_stored(production_handler: LambdaHandler, kind: str) -> None:
    # Zappa's WSGI translation passes a body only for POST, PUT, PATCH and DELETE.
    make_event, _prefix = EVENT_KINDS[kind]
    invoke(production_handler, make_event("OPTIONS", "/hooks/x", body=b"probe body"))

    assert bytes(Hit.objects.get().body) == b"probe body"
