"""The production database path, end to end: Django's mysql_iam backend -> RDS Proxy stand-in
(TLS verified, IAM token checked, pooling and pinning like RDS Proxy) -> MariaDB."""

from __future__ import annotations

import time
from datetime import timedelta

import MySQLdb
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client
from django.utils import timezone

from local_rds_proxy import TokenVerifier
from local_stack import APP_USER, CREDENTIAL, REGION
from tests.mysql_fault_relay import MySQLFaultRelay, is_commit
from tests.proxy_stack import default_alias_on_proxy
from tests.wsgi_client import WsgiClient
from webhook_site.db import iam_auth
from webhook_site.db.iam_auth import tokens_minted
from webhook_site.db.mysql_iam import base

pytestmark = [pytest.mark.mariadb_only, pytest.mark.django_db(transaction=True)]

TOKEN_LIFETIME = timedelta(minutes=15)


def capture(client: WsgiClient, body: bytes = b'{"ok": true}') -> int:
    response = client.post("/hooks/test", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return int(response.json()["id"])


def logged_in_session(user: User) -> str:
    browser = Client()
    browser.force_login(user)
    return browser.cookies["sessionid"].value


def test_a_thousand_captures_use_one_connection_and_one_token(make_stack, monkeypatch) -> None:
    stack = make_stack()
    client = WsgiClient()
    with default_alias_on_proxy(stack, monkeypatch):
        minted_before = tokens_minted.count
        ids = [capture(client) for _ in range(1000)]
        stats = stack.stats()
    assert tokens_minted.count - minted_before == 1
    assert stats["ClientConnectionsReceived"] == 1
    assert stats["tokens_verified"] == 1
    assert stats["ClientConnections"] == 1
    assert stats["pinned_sessions_total"] == 0
    assert stack.rows(f"SELECT COUNT(*) FROM hits_hit WHERE id BETWEEN {min(ids)} AND {max(ids)}") == [
        (1000,)
    ]


def test_the_token_is_for_the_proxy_endpoint_user_and_region(make_stack, monkeypatch) -> None:
    stack = make_stack()
    with default_alias_on_proxy(stack, monkeypatch) as wrapper:
        params = wrapper.get_connection_params()
    endpoint = f"127.0.0.1:{stack.proxy.port}"
    verifier = TokenVerifier([CREDENTIAL], REGION, [endpoint])
    verified = verifier.verify(params["password"], APP_USER)
    assert (verified.endpoint, verified.user) == (endpoint, APP_USER)
    assert f"%2F{REGION}%2Frds-db%2Faws4_request" in params["password"]
    assert params["ssl_mode"] == "VERIFY_IDENTITY"


def test_no_pinning_from_session_setup_pages_api_or_admin(make_stack, monkeypatch) -> None:
    stack = make_stack()
    client = WsgiClient()
    with default_alias_on_proxy(stack, monkeypatch):
        staff = get_user_model().objects.create_superuser("ops", "ops@example.com", "pw-Str0ng!")
        hit_id = capture(client)
        client.cookies["sessionid"] = logged_in_session(staff)
        for url in (
            "/_/",
            f"/_/hits/{hit_id}",
            "/_/api/hits",
            f"/_/api/hits/{hit_id}",
            "/admin/",
            "/admin/hits/hit/",
            f"/admin/hits/hit/{hit_id}/change/",
        ):
            assert client.get(url).status_code == 200, url
            assert (
                stack.settled_stats(DatabaseConnectionsCurrentlySessionPinned=0)[
                    "DatabaseConnectionsCurrentlySessionPinned"
                ]
                == 0
            ), url
        client.get("/browser/visit", HTTP_ACCEPT="text/html")
        stats = stack.stats()
    assert stats["pinned_sessions_total"] == 0
    assert stats["pinned_by_reason"] == {}


def test_a_large_body_pins_only_until_the_request_ends(make_stack, monkeypatch) -> None:
    stack = make_stack()
    client = WsgiClient()
    body = bytes(range(256)) * 4096  # 1 MiB, so the INSERT statement is far over 16 KB
    with default_alias_on_proxy(stack, monkeypatch):
        capture(client)
        minted_before = tokens_minted.count
        big_id = capture(client, body)
        after_big = stack.settled_stats(DatabaseConnectionsCurrentlySessionPinned=0, ClientConnections=0)
        small_id = capture(client)
        after_next = stack.stats()
    assert after_big["pinned_sessions_total"] == 1  # the proxy did pin for the big INSERT...
    assert after_big["DatabaseConnectionsCurrentlySessionPinned"] == 0  # ...and it ended with the request
    assert after_big["ClientConnections"] == 0
    assert after_next["pinned_sessions_total"] == 1
    assert tokens_minted.count - minted_before == 1  # one reconnect, for the request after the big one
    assert stack.rows(f"SELECT body FROM hits_hit WHERE id = {big_id}") == [(body,)]
    assert stack.rows(f"SELECT COUNT(*) FROM hits_hit WHERE id = {small_id}") == [(1,)]


def test_after_the_idle_client_timeout_the_next_request_succeeds(make_stack, monkeypatch) -> None:
    stack = make_stack(idle_client_timeout_seconds=1.0)
    client = WsgiClient()
    with default_alias_on_proxy(stack, monkeypatch):
        capture(client)
        deadline = time.monotonic() + 10
        while stack.stats()["ClientConnections"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stack.stats()["idle_client_timeouts"] == 1
        minted_before = tokens_minted.count
        capture(client)
    assert tokens_minted.count - minted_before == 1


def test_a_new_connection_after_fifteen_minutes_gets_a_fresh_token(make_stack, monkeypatch) -> None:
    stack = make_stack()
    client = WsgiClient()
    with default_alias_on_proxy(stack, monkeypatch):
        capture(client)
        minted_before = tokens_minted.count
        with time_machine.travel(timezone.now() + TOKEN_LIFETIME + timedelta(minutes=1), tick=True):
            capture(client)  # the open connection outlives its token: tokens are checked only at login
            assert tokens_minted.count == minted_before
            connections["default"].close()  # e.g. a new container, or the proxy dropped us
            capture(client)
        assert tokens_minted.count - minted_before == 1
        assert stack.stats()["ClientConnectionsReceived"] == 2
        assert stack.stats()["ClientConnectionsSetupFailedAuth"] == 0


def test_negative_control_a_token_minted_at_import_fails_later(make_stack, monkeypatch) -> None:
    stack = make_stack()
    with default_alias_on_proxy(stack, monkeypatch) as wrapper:
        frozen_token = wrapper.get_connection_params()["password"]
    later = timezone.now() + TOKEN_LIFETIME + timedelta(minutes=1)
    with time_machine.travel(later, tick=True), pytest.raises(MySQLdb.OperationalError) as refused:
        stack.driver_login(APP_USER, frozen_token)
    assert refused.value.args[0] == 1045
    assert stack.stats()["auth_failures_by_reason"]


def test_pool_exhausted_gives_503_within_the_borrow_timeout_and_stores_nothing(
    make_stack, monkeypatch
) -> None:
    borrow_timeout = 1.0
    stack = make_stack(max_connections=1, borrow_timeout_seconds=borrow_timeout)
    client = WsgiClient()
    with default_alias_on_proxy(stack, monkeypatch):
        capture(client)  # logged in; the one backend is back in the pool
        holder = MySQLdb.connect(
            host="127.0.0.1",
            port=stack.proxy.port,
            user=APP_USER,
            password=connections["default"].get_connection_params()["password"],
            database=stack.database,
            ssl={"ca": stack.ca_path},
            ssl_mode="VERIFY_IDENTITY",
        )
        holder.cursor().execute("BEGIN")
        holder.cursor().execute("SELECT 1 FROM hits_hit LIMIT 1")  # holds the only backend
        count_before = stack.rows("SELECT COUNT(*) FROM hits_hit")
        started = time.monotonic()
        response = client.post("/hooks/busy", b"{}", content_type="application/json")
        elapsed = time.monotonic() - started
        print(f"\npool exhausted: 503 after {elapsed:.3f} s (borrow timeout {borrow_timeout} s)")
        holder.rollback()
        holder.close()
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert borrow_timeout * 0.9 <= elapsed <= borrow_timeout * 2
        assert stack.rows("SELECT COUNT(*) FROM hits_hit") == count_before
        assert stack.stats()["borrow_timeouts"] >= 1
        capture(client)  # and the next request is served again


def test_database_outage_gives_503_then_recovers_and_every_2xx_is_stored(make_stack, monkeypatch) -> None:
    stack = make_stack(borrow_timeout_seconds=1.0)
    client = WsgiClient()
    acknowledged: list[int] = []
    statuses: list[int] = []

    def send() -> None:
        response = client.post("/hooks/outage", b"{}", content_type="application/json")
        statuses.append(response.status_code)
        if response.status_code == 200:
            acknowledged.append(int(response.json()["id"]))
        else:
            assert response.status_code == 503
            assert "Retry-After" in response

    with default_alias_on_proxy(stack, monkeypatch):
        for _ in range(5):
            send()
        stack.server.stop()
        for _ in range(3):
            send()
        assert statuses[-3:] == [503, 503, 503]
        stack.server.start()
        send()
        assert statuses[-1] == 200
    stored = {row[0] for row in stack.rows("SELECT id FROM hits_hit")}
    assert set(acknowledged) <= stored
    assert len(acknowledged) == 6


def test_a_refused_login_is_retried_once_with_a_fresh_token(make_stack, monkeypatch) -> None:
    stack = make_stack()
    real_mint = iam_auth.mint_auth_token
    regions_signed: list[str] = []

    def first_token_for_the_wrong_region(host: str, port: int, user: str, region: str) -> str:
        # e.g. credentials rotated between minting and login: the proxy refuses that one token
        signing_region = "us-west-2" if not regions_signed else region
        regions_signed.append(signing_region)
        return real_mint(host, port, user, signing_region)

    monkeypatch.setattr(base, "mint_auth_token", first_token_for_the_wrong_region)  # the first login
    monkeypatch.setattr(iam_auth, "mint_auth_token", first_token_for_the_wrong_region)  # the retry
    with default_alias_on_proxy(stack, monkeypatch):
        capture(WsgiClient())
    assert regions_signed == ["us-west-2", REGION]
    stats = stack.stats()
    assert stats["ClientConnectionsSetupFailedAuth"] == 1
    assert stats["ClientConnectionsSetupSucceeded"] == 1


def test_a_backend_lost_after_the_insert_ran_never_claims_nothing_was_stored(
    make_stack, monkeypatch, mariadb_server
) -> None:
    # The relay sits on the stand-in's backend link: it lets MariaDB run the capture's transaction
    # (the hit and its search keys) up to and including the COMMIT, then cuts the link before the
    # answer reaches the stand-in, as a database failing over mid-statement would.
    with MySQLFaultRelay(mariadb_server.port, is_commit) as relay:
        stack = make_stack(backend_port=relay.port)
        with default_alias_on_proxy(stack, monkeypatch):
            response = WsgiClient().post("/hooks/lost", b"x" * 1024, content_type="application/octet-stream")

    assert relay.stats.dropped_after_answer == 1
    assert response.status_code == 502
    assert b"may or may not have been stored" in response.content
    assert b"Nothing was stored" not in response.content
    assert stack.rows("SELECT COUNT(*) FROM hits_hit WHERE path = '/hooks/lost'") == [(1,)]
