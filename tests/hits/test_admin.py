"""The Django admin: read-only browsing of hits, with the raw body downloadable."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hits.models import Hit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_with_hit(admin_client: Client) -> tuple[Client, Hit]:
    hit = Hit.objects.create(method="POST", path="/<b>bold</b>", body=b"\x00raw\xff", body_size=5)
    return admin_client, hit


def test_changelist_filters_searches_and_escapes(admin_client_with_hit: tuple[Client, Hit]) -> None:
    client, _hit = admin_client_with_hit
    page = client.get("/admin/hits/hit/?method__exact=POST&q=bold")
    html = page.content.decode()
    assert page.status_code == 200
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>bold</b>" not in html


def test_hits_are_read_only(admin_client_with_hit: tuple[Client, Hit]) -> None:
    client, hit = admin_client_with_hit
    assert client.get("/admin/hits/hit/add/").status_code == 403
    change_page = client.get(f"/admin/hits/hit/{hit.id}/change/").content.decode()
    assert 'type="submit" value="Save"' not in change_page
    assert "Download raw body (5 bytes)" in change_page


def test_raw_body_download(admin_client_with_hit: tuple[Client, Hit]) -> None:
    client, hit = admin_client_with_hit
    response = client.get(f"/admin/hits/hit/{hit.id}/body/")
    assert response.content == b"\x00raw\xff"
    assert response["Content-Disposition"].startswith("attachment")


def test_raw_body_download_needs_staff(admin_client_with_hit: tuple[Client, Hit]) -> None:
    _client, hit = admin_client_with_hit
    assert Client().get(f"/admin/hits/hit/{hit.id}/body/").status_code == 302


def test_changelist_count_is_bounded(admin_client: Client) -> None:
    Hit.objects.bulk_create(Hit(method="GET", path=f"/{n}") for n in range(3))
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get("/admin/hits/hit/").status_code == 200
    counts = [query["sql"].upper() for query in queries.captured_queries if "COUNT(" in query["sql"].upper()]
    assert counts
    assert all("LIMIT 10000" in sql for sql in counts)


def test_a_login_with_an_unsafe_next_lands_on_the_hits_page_and_captures_nothing(client, django_user_model):
    django_user_model.objects.create_user("staff", password="a-long-staff-password", is_staff=True)
    response = client.post(
        "/admin/login/?next=https://evil.example/",
        {"username": "staff", "password": "a-long-staff-password", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/_/"
    assert Hit.objects.count() == 0
