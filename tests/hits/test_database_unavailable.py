"""A capture that cannot reach the database gets 503 + Retry-After, never a stack trace."""

from __future__ import annotations

import pytest
from django.db import InterfaceError
from django.test import Client

from hits import views

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.mariadb_only]


def test_capture_gets_503_with_retry_after(client: Client, unreachable_database: None) -> None:
    response = client.post("/hook", b"{}", content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/plain")
    assert "Traceback" not in response.content.decode()
    assert "Nothing was stored" in response.content.decode()


def test_pages_get_503_too(client: Client, unreachable_database: None) -> None:
    assert client.get("/_/api/hits").status_code == 503


def test_a_connection_lost_mid_request_is_a_503_too(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def lost(request: object) -> None:
        raise InterfaceError("(0, '') connection already closed")

    monkeypatch.setattr(views, "record_hit", lost)
    response = client.post("/hook", b"{}", content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
