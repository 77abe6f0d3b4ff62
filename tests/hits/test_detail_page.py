"""The detail page: body views by link, bounded size for any body, replay commands, deleting a hit."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from hits.models import Hit

pytestmark = pytest.mark.django_db

# API Gateway and Lambda refuse responses over 6 MB (a 502 for the browser).
LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024
MAX_BODY = 1024 * 1024  # HITS_MAX_BODY_BYTES' default


def make_hit(body: bytes, content_type: str = "", **fields: object) -> Hit:
    return Hit.objects.create(
        method="POST", path="/d", body=body, body_size=len(body), content_type=content_type, **fields
    )


def test_body_views_are_links_that_work_without_javascript(client: Client) -> None:
    hit = make_hit(b'{"key": "value"}', "application/json")
    page = client.get(f"/_/hits/{hit.id}").content.decode()
    for view in ("tree", "pretty", "raw", "hex"):
        assert f'href="?view={view}#body"' in page
    assert '<span class="json-key">&#34;key&#34;</span>' in page  # the tree, by default
    assert "7b 22 6b 65 79" in client.get(f"/_/hits/{hit.id}?view=hex").content.decode()


def test_unknown_view_and_bad_target_get_400(client: Client) -> None:
    hit = make_hit(b"\x00\x01", "application/octet-stream")
    assert client.get(f"/_/hits/{hit.id}?view=tree").status_code == 400
    for target in ("ftp://x", "javascript:alert(1)", "http://x/?q=1", "not a url"):
        assert client.get(f"/_/hits/{hit.id}", {"target": target}).status_code == 400


def test_commands_aim_at_this_site_or_the_chosen_target(client: Client) -> None:
    hit = make_hit(b"hello", "text/plain")
    default = html.unescape(client.get(f"/_/hits/{hit.id}").content.decode())
    assert "http://testserver/d" in default
    chosen = html.unescape(
        client.get(f"/_/hits/{hit.id}", {"target": "http://localhost:3000"}).content.decode()
    )
    assert "http://localhost:3000/d" in chosen
    assert "printf %s hello | curl" in chosen


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'"&<' * (MAX_BODY // 3), "text/plain"),
        (b'["' + b'\\"' * (MAX_BODY // 2 - 4) + b'"]', "application/json"),
        (bytes(range(256)) * (MAX_BODY // 256), "application/octet-stream"),
        (b"<a>" + b"&amp;" * (MAX_BODY // 5 - 2) + b"</a>", "application/xml"),
        (b"k=" + b"%22" * (MAX_BODY // 3 - 1), "application/x-www-form-urlencoded"),
    ],
    ids=["quotes text", "escaped json", "binary", "xml entities", "form"],
)
def test_largest_bodies_render_far_below_the_lambda_limit(
    client: Client, body: bytes, content_type: str
) -> None:
    hit = make_hit(body, content_type)
    page = client.get(f"/_/hits/{hit.id}")
    for view in ("", "?view=raw", "?view=pretty", "?view=hex"):
        response = client.get(f"/_/hits/{hit.id}{view}")
        if response.status_code == 400:
            continue  # a view this body does not offer
        assert response.status_code == 200
        assert len(response.content) < LAMBDA_RESPONSE_LIMIT / 2, view
    assert "download the body for all" in page.content.decode()


def test_delete_needs_post_with_csrf_and_removes_the_hit() -> None:
    hit = make_hit(b"x")
    browser = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.7")
    assert browser.get(f"/_/hits/{hit.id}/delete").status_code == 405
    assert browser.post(f"/_/hits/{hit.id}/delete").status_code == 403  # no CSRF token
    page = browser.get(f"/_/hits/{hit.id}")
    token = page.cookies["csrftoken"].value
    response = browser.post(f"/_/hits/{hit.id}/delete", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert not Hit.objects.filter(pk=hit.id).exists()
    assert f"Hit #{hit.id} was deleted." in browser.get(response["Location"]).content.decode()
    assert browser.post(f"/_/hits/{hit.id}/delete", {"csrfmiddlewaretoken": token}).status_code == 404


def test_delete_is_refused_to_anonymous_users_when_login_is_required(client: Client, settings) -> None:
    settings.HITS_REQUIRE_LOGIN = True
    hit = make_hit(b"x")
    assert client.post(f"/_/hits/{hit.id}/delete").status_code == 302  # to the login page
    assert Hit.objects.filter(pk=hit.id).exists()
