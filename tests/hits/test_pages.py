"""Pages and API: keyset pagination, constant queries, escaping, access control."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hits.models import Hit

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"


def make_hits(count: int) -> list[Hit]:
    return Hit.objects.bulk_create(
        Hit(method="POST", path=f"/seed/{number}", body=b"x", body_size=1) for number in range(count)
    )


def test_api_pages_newest_first_with_a_cursor(client: Client) -> None:
    make_hits(5)
    first = client.get("/_/api/hits?limit=2").json()
    second = client.get(f"/_/api/hits?limit=2&cursor={first['next']}").json()
    third = client.get(f"/_/api/hits?limit=2&cursor={second['next']}").json()
    paths = [hit["path"] for page in (first, second, third) for hit in page["results"]]
    assert paths == [f"/seed/{number}" for number in (4, 3, 2, 1, 0)]
    assert third["next"] is None


def test_api_list_fields_are_the_documented_ones(client: Client) -> None:
    make_hits(1)
    (hit,) = client.get("/_/api/hits").json()["results"]
    assert set(hit) == {
        "id",
        "received_at",
        "method",
        "path",
        "query_string",
        "headers",
        "content_type",
        "body_size",
        "client_address",
        "user_agent",
        "signature",
    }


def test_api_detail_has_the_body_and_404s_cleanly(client: Client) -> None:
    (hit,) = make_hits(1)
    assert client.get(f"/_/api/hits/{hit.id}").json()["body_base64"] == "eA=="
    missing = client.get("/_/api/hits/999999")
    assert missing.status_code == 404
    assert "error" in missing.json()


@pytest.mark.parametrize("query", ["cursor=abc", "limit=0", "limit=501", "limit=x"])
def test_bad_page_parameters_get_400(client: Client, query: str) -> None:
    assert client.get(f"/_/api/hits?{query}").status_code == 400
    assert client.get(f"/_/?{query}").status_code == 400


@pytest.mark.parametrize("url", ["/_/", "/_/api/hits"])
def test_list_queries_are_constant_and_never_count_or_offset(client: Client, url: str) -> None:
    make_hits(3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url + "?limit=2").status_code == 200
    make_hits(300)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url + "?limit=2").status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries) == 1
    sql = large.captured_queries[0]["sql"].upper()
    assert "COUNT(" not in sql
    assert "OFFSET" not in sql
    assert "LIMIT 3" in sql


def test_list_page_links_to_older_hits(client: Client) -> None:
    make_hits(3)
    page = client.get("/_/?limit=2").content.decode()
    assert "Older" in page
    assert "/seed/2" in page
    assert "/seed/0" not in page


def test_xss_payloads_are_escaped_everywhere(client: Client) -> None:
    response = client.post(
        f"/x/{XSS}?q={XSS}",
        XSS.encode(),
        content_type="text/html",
        HTTP_X_EVIL=XSS,
        HTTP_USER_AGENT=XSS,
    )
    hit_id = response.json()["id"]
    Hit.objects.create(
        method="POST", path="/json", body=f'{{"a": "{XSS}"}}'.encode(), content_type="application/json"
    )
    pages = [
        client.get("/_/"),
        client.get(f"/_/hits/{hit_id}"),
        client.get("/_/hits/" + str(Hit.objects.get(path="/json").id)),
        client.get("/another", HTTP_ACCEPT="text/html"),
    ]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
        policy = page["Content-Security-Policy"]
        assert "default-src 'none'" in policy
        assert "script-src 'self';" in policy  # our static files only: no inline script, no eval
        assert "unsafe" not in policy


def test_raw_body_download_is_an_inert_attachment(client: Client) -> None:
    (hit,) = Hit.objects.bulk_create([Hit(method="POST", path="/b", body=XSS.encode(), body_size=25)])
    response = client.get(f"/_/hits/{hit.id}/body")
    assert response.content == XSS.encode()
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_detail_page_pretty_prints_json_and_hex_dumps_binary(client: Client) -> None:
    json_hit = Hit.objects.create(
        method="POST", path="/j", body=b'{"b":[1,2]}', content_type="application/json"
    )
    binary_hit = Hit.objects.create(method="POST", path="/b", body=b"\x00\xffAB", content_type="image/png")
    form_hit = Hit.objects.create(
        method="POST", path="/f", body=b"name=Ada&lang=en", content_type="application/x-www-form-urlencoded"
    )
    assert "&#34;b&#34;: [\n    1," in client.get(f"/_/hits/{json_hit.id}?view=pretty").content.decode()
    assert "00 ff 41 42" in client.get(f"/_/hits/{binary_hit.id}").content.decode()
    assert "<th>lang</th><td>en</td>" in client.get(f"/_/hits/{form_hit.id}").content.decode()


class TestLoginRequired:
    @pytest.fixture(autouse=True)
    def login_required(self, settings) -> None:
        settings.HITS_REQUIRE_LOGIN = True

    def test_anonymous_pages_redirect_to_login(self, client: Client) -> None:
        (hit,) = make_hits(1)
        for url in ("/_/", f"/_/hits/{hit.id}", f"/_/hits/{hit.id}/body"):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith("/admin/login/?next=")

    def test_anonymous_api_gets_401(self, client: Client) -> None:
        (hit,) = make_hits(1)
        for url in ("/_/api/hits", f"/_/api/hits/{hit.id}"):
            assert client.get(url).status_code == 401

    def test_capture_still_works_and_does_not_show_the_table(self, client: Client) -> None:
        make_hits(1)
        response = client.get("/still-open", HTTP_ACCEPT="text/html")
        assert response.status_code == 200
        assert "/seed/0" not in response.content.decode()
        assert Hit.objects.filter(path="/still-open").exists()

    def test_staff_users_can_look(self, client: Client, django_user_model) -> None:
        staff = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
        client.force_login(staff)
        assert client.get("/_/").status_code == 200
        assert client.get("/_/api/hits").status_code == 200

    def test_signed_in_non_staff_users_get_403(self, client: Client, django_user_model) -> None:
        client.force_login(django_user_model.objects.create_user("someone", password="pw"))
        assert client.get("/_/").status_code == 403
        assert client.get("/_/api/hits").status_code == 403
