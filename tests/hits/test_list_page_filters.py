"""The filter form on the hits page: it narrows the rows, the pager and the live list, and says what
is wrong with a bad filter; staff can delete what a filter matches."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from hits.models import Hit

pytestmark = pytest.mark.django_db


def make_hit(method: str, path: str, body: bytes = b"") -> Hit:
    return Hit.objects.create_with_search_keys(method=method, path=path, body=body, body_size=len(body))


def paths(html: str) -> list[str]:
    return re.findall(r'<td class="path"><a href="[^"]+">([^<]+)</a>', html)


def test_the_form_narrows_the_rows_and_keeps_what_was_typed(client: Client) -> None:
    make_hit("POST", "/github/push")
    make_hit("GET", "/github/ping")
    make_hit("POST", "/stripe/charge")
    page = client.get("/_/", {"method": "post", "path": "/github/"}).content.decode()
    assert paths(page) == ["/github/push"]
    assert 'name="method" value="post"' in page
    assert "Search and filter (active)" in page


def test_pager_and_live_list_keep_the_filter(client: Client) -> None:
    for number in range(3):
        make_hit("POST", f"/a/{number}")
    page = client.get("/_/", {"method": "POST", "limit": "2"}).content.decode()
    assert 'data-live-url="/_/rows?method=POST"' in page
    older = re.search(r'href="(/_/\?method=POST&amp;cursor=\d+)">Older', page)
    assert older is not None


def test_the_live_rows_apply_the_filter(client: Client) -> None:
    make_hit("GET", "/skip")
    wanted = make_hit("POST", "/keep")
    rows = client.get("/_/rows", {"after": "0", "method": "POST"}).content.decode()
    assert f'data-id="{wanted.id}"' in rows
    assert "/skip" not in rows


def test_a_bad_filter_is_a_400_page_saying_why(client: Client) -> None:
    make_hit("POST", "/x")
    response = client.get("/_/", {"since": "yesterday-ish"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "since" in html
    assert paths(html) == []
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert client.get("/_/rows", {"after": "0", "since": "nope"}).status_code == 400


def test_body_search_says_how_many_it_searched(client: Client, settings) -> None:
    make_hit("POST", "/b", b"needle in here")
    page = client.get("/_/", {"q": "needle"}).content.decode()
    assert paths(page) == ["/b"]
    assert f"searched in the newest {settings.HITS_BODY_SEARCH_LIMIT} hits only" in page


def test_staff_delete_only_what_the_filter_matches(django_user_model) -> None:
    make_hit("GET", "/keep")
    make_hit("POST", "/go/1")
    make_hit("POST", "/go/2")
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(django_user_model.objects.create_user("staff", password="pw", is_staff=True))
    form = staff.get("/_/clear", {"method": "POST"}).content.decode()
    assert '<input type="hidden" name="method" value="POST">' in form
    token = staff.cookies["csrftoken"].value
    response = staff.post("/_/clear", {"method": "POST", "confirm": "yes", "csrfmiddlewaretoken": token})
    assert response["Location"].endswith("?cleared=2")
    assert list(Hit.objects.values_list("path", flat=True)) == ["/keep"]


def test_the_capture_page_ignores_the_captured_query(client: Client) -> None:
    make_hit("POST", "/older")
    page = client.get(
        "/captured", {"method": "DELETE", "cursor": "1"}, HTTP_ACCEPT="text/html"
    ).content.decode()
    assert 'name="method" value=""' in page  # the captured query is data, not a filter
    assert "/older" in page
    assert "data-live-url" in page  # the newest page, live
