"""The JSON API: filters, the live list, JSON errors everywhere, tokens, deletes, the favicon route."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hits.api_tokens import mint_token
from hits.deletion import delete_matching
from hits.filters import HitFilter
from hits.models import ApiToken, Hit, HitHeader

pytestmark = pytest.mark.django_db


def capture(client: Client, path: str, **extra: Any) -> int:
    response = client.post(path, b"{}", content_type="application/json", **extra)
    assert response.status_code == 200
    return int(response.json()["id"])


def new_token(name: str = "test") -> str:
    token = ApiToken(name=name)
    plain = mint_token(token)
    token.save()
    return plain


@pytest.fixture
def login_required(settings: Any) -> None:
    settings.HITS_REQUIRE_LOGIN = True


@pytest.fixture
def staff(django_user_model: type[User]) -> User:
    return django_user_model.objects.create_user("staff", password="pw", is_staff=True)


# --- list: filters and the live list ---------------------------------------------------------------


def test_list_applies_the_filter_and_reports_it(client: Client) -> None:
    capture(client, "/github/1", HTTP_X_GITHUB_EVENT="push")
    capture(client, "/gitlab/2", HTTP_X_GITHUB_EVENT="push")
    capture(client, "/github/3", HTTP_X_GITHUB_EVENT="ping")
    answer = client.get("/_/api/hits?path=/github/&header=X-GitHub-Event&header_value=push").json()
    assert [hit["path"] for hit in answer["results"]] == ["/github/1"]
    assert answer["filter"] == {
        "path_prefix": "/github/",
        "header_name": "X-GitHub-Event",
        "header_value": "push",
    }
    assert answer["body_search_limit"] is None
    assert client.get("/_/api/hits?q=x").json()["body_search_limit"] == 5000


def test_filtered_pages_chain_by_cursor(client: Client) -> None:
    for number in range(5):
        capture(client, f"/a/{number}")
        capture(client, f"/b/{number}")
    first = client.get("/_/api/hits?path=/a/&limit=2").json()
    second = client.get(f"/_/api/hits?path=/a/&limit=2&cursor={first['next']}").json()
    assert [hit["path"] for hit in first["results"] + second["results"]] == ["/a/4", "/a/3", "/a/2", "/a/1"]


@pytest.mark.parametrize(
    "query",
    [
        "since=tomorrow",
        "method=a%20b",
        "after=x",
        "after=1&cursor=2",
        "header_value=1",
        "limit=0",
        "mehtod=POST",
    ],
)
def test_bad_list_parameters_get_a_json_400(client: Client, query: str) -> None:
    response = client.get(f"/_/api/hits?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]


def test_after_lists_newer_hits_oldest_first(client: Client) -> None:
    first = capture(client, "/1")
    capture(client, "/2")
    capture(client, "/3")
    answer = client.get(f"/_/api/hits?after={first}").json()
    assert [hit["path"] for hit in answer["results"]] == ["/2", "/3"]
    assert answer["after"] == str(first + 2)
    empty = client.get(f"/_/api/hits?after={answer['after']}").json()
    assert (empty["results"], empty["after"]) == ([], answer["after"])


def test_after_with_a_limit_and_a_filter_leaves_no_gap(client: Client) -> None:
    ids = [capture(client, f"/{'x' if number % 2 else 'y'}/{number}") for number in range(7)]
    seen: list[str] = []
    after = "0"
    while batch := client.get(f"/_/api/hits?after={after}&limit=2&path=/x/").json():
        if not batch["results"]:
            break
        seen += [hit["path"] for hit in batch["results"]]
        after = batch["after"]
    assert seen == ["/x/1", "/x/3", "/x/5"]
    assert after == str(ids[5])


def test_live_list_is_one_query(client: Client) -> None:
    capture(client, "/1")
    with CaptureQueriesContext(connection) as queries:
        client.get("/_/api/hits?after=0&method=POST")
    assert len(queries.captured_queries) == 1


# --- errors are JSON -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/_/api/hits/abc", "/_/api/nothing", "/_/api", "/_/api/hits/1/x"])
def test_unknown_api_urls_get_a_json_404(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"].startswith("no API endpoint at")


@pytest.mark.parametrize(("method", "path"), [("post", "/_/api/hits"), ("put", "/_/api/hits/1")])
def test_wrong_methods_get_a_json_405_with_allow(client: Client, method: str, path: str) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert "not allowed" in response.json()["error"]
    assert "GET" in response["Allow"]


def test_a_missing_hit_is_a_json_404(client: Client) -> None:
    assert client.get("/_/api/hits/999999").json() == {"error": "no hit with id 999999"}


@pytest.mark.mariadb_only  # SQLite's in-memory test database cannot be made unreachable
@pytest.mark.django_db(transaction=True)
def test_database_failure_on_any_api_path_is_json(client: Client, unreachable_database: None) -> None:
    for path in ("/_/api/hits", "/_/api/hits/1", "/_/api/hits?after=0", "/_/api/hits/export.ndjson"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response["Content-Type"] == "application/json"


@pytest.mark.mariadb_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("credential", ["session", "token"])
def test_database_failure_while_checking_access_is_json_too(
    client: Client, login_required: None, staff: User, credential: str, request: pytest.FixtureRequest
) -> None:
    """With login required, the session or the token is read from the database first."""
    authorization = ""
    if credential == "session":
        client.force_login(staff)
    else:
        authorization = f"Bearer {new_token()}"
    request.getfixturevalue("unreachable_database")
    response = (
        client.get("/_/api/hits", HTTP_AUTHORIZATION=authorization)
        if authorization
        else client.get("/_/api/hits")
    )
    assert response.status_code == 503
    assert response.json()["error"].startswith("The database cannot be reached.")


# --- access: sessions and tokens -------------------------------------------------------------------


def test_login_required_refuses_anonymous_clients_with_json_401(client: Client, login_required: None) -> None:
    response = client.get("/_/api/hits")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in response.json()["error"]


def test_a_token_opens_the_api_when_login_is_required(client: Client, login_required: None) -> None:
    hit_id = capture(client, "/x")
    authorization = f"Bearer {new_token()}"
    assert client.get("/_/api/hits", HTTP_AUTHORIZATION=authorization).status_code == 200
    assert client.get(f"/_/api/hits/{hit_id}", HTTP_AUTHORIZATION=authorization).json()["path"] == "/x"
    export = client.get("/_/api/hits/export.ndjson", HTTP_AUTHORIZATION=authorization)
    assert export.status_code == 200


def test_a_token_does_not_open_the_pages(client: Client, login_required: None) -> None:
    response = client.get("/_/", HTTP_AUTHORIZATION=f"Bearer {new_token()}")
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("authorization", "error"),
    [
        ("Bearer whs_not-a-real-token", "invalid or revoked API token"),
        ("Basic dXNlcjpwYXNz", "the API accepts only 'Authorization: Bearer <API token>'"),
        ("Bearer", "the API accepts only 'Authorization: Bearer <API token>'"),
    ],
)
def test_a_wrong_credential_is_refused_even_when_the_api_is_open(
    client: Client, authorization: str, error: str
) -> None:
    response = client.get("/_/api/hits", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401
    assert response.json() == {"error": error}
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_deleted_token_is_revoked(client: Client, login_required: None) -> None:
    plain = new_token()
    ApiToken.objects.all().delete()
    assert client.get("/_/api/hits", HTTP_AUTHORIZATION=f"Bearer {plain}").status_code == 401


def test_tokens_are_stored_as_digests_only() -> None:
    plain = new_token()
    stored = ApiToken.objects.values_list("digest", "prefix", "name").get()
    assert plain not in " ".join(stored)
    assert plain.startswith(stored[1])
    assert len(stored[1]) == 8


def test_a_token_used_against_a_captured_path_is_stored_redacted(client: Client) -> None:
    plain = new_token()
    hit_id = capture(client, "/hook", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert ["Authorization", "Bearer [redacted]"] in Hit.objects.get(pk=hit_id).headers
    assert plain not in str(Hit.objects.get(pk=hit_id).headers)


def test_staff_create_a_token_in_the_admin_and_see_it_once(client: Client, staff: User) -> None:
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    response = client.post("/admin/hits/apitoken/add/", {"name": "forwarder"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    page = response.content.decode()
    start = page.index('<code id="api-token">') + len('<code id="api-token">')
    plain = page[start : page.index("</code>", start)]
    assert plain.startswith(token.prefix)
    assert client.get("/_/api/hits", HTTP_AUTHORIZATION=f"Bearer {plain}").status_code == 200
    listing = client.get("/admin/hits/apitoken/").content.decode()
    assert token.prefix in listing
    assert plain not in listing


# --- deleting --------------------------------------------------------------------------------------


def test_delete_one_hit_with_its_search_keys(client: Client) -> None:
    hit_id = capture(client, "/doomed", HTTP_X_TAG="1")
    kept = capture(client, "/kept", HTTP_X_TAG="1")
    response = client.delete(f"/_/api/hits/{hit_id}")
    assert response.status_code == 204
    assert list(Hit.objects.values_list("id", flat=True)) == [kept]
    assert set(HitHeader.objects.values_list("hit_id", flat=True)) == {kept}
    assert client.delete(f"/_/api/hits/{hit_id}").status_code == 404


def test_delete_needs_the_csrf_token_and_answers_json(client: Client, staff: User) -> None:
    hit_id = capture(client, "/x")
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(staff)
    refused = checked.delete(f"/_/api/hits/{hit_id}")
    assert refused.status_code == 403
    assert refused.json()["error"].startswith("CSRF check failed")
    checked.get("/admin/")  # sets the csrftoken cookie
    token = checked.cookies["csrftoken"].value
    assert checked.delete(f"/_/api/hits/{hit_id}", HTTP_X_CSRFTOKEN=token).status_code == 204


def test_tokens_cannot_delete(client: Client, login_required: None) -> None:
    hit_id = capture(client, "/x")
    response = client.delete(f"/_/api/hits/{hit_id}", HTTP_AUTHORIZATION=f"Bearer {new_token()}")
    assert response.status_code == 403
    assert Hit.objects.filter(pk=hit_id).exists()


def test_delete_with_login_required_needs_staff(client: Client, login_required: None, staff: User) -> None:
    hit_id = capture(client, "/x")
    assert client.delete(f"/_/api/hits/{hit_id}").status_code == 401
    client.force_login(staff)
    assert client.delete(f"/_/api/hits/{hit_id}").status_code == 204


def test_delete_matching_clears_only_what_the_filter_matches_in_batches(client: Client) -> None:
    for number in range(7):
        capture(client, f"/old/{number}")
    survivor = capture(client, "/keep")
    with CaptureQueriesContext(connection) as queries:
        deleted = delete_matching(HitFilter(path_prefix="/old/"), batch_size=3)
    assert deleted == 7
    assert list(Hit.objects.values_list("id", flat=True)) == [survivor]
    assert not any("body" in query["sql"] for query in queries.captured_queries)


def test_delete_matching_with_the_empty_filter_clears_everything(client: Client) -> None:
    capture(client, "/a")
    capture(client, "/b")
    assert delete_matching(HitFilter()) == 2
    assert not Hit.objects.exists()
    assert not HitHeader.objects.exists()


# --- favicon ---------------------------------------------------------------------------------------


def test_favicon_is_served_and_never_captured(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
    assert not Hit.objects.exists()
