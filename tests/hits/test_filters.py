"""HitFilter: parsing (clear errors), each filter's meaning, stable links, bounded body search, indexes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from hits.filters import FilterError, HitFilter
from hits.models import Hit

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)


def make_hit(
    path: str = "/hook",
    method: str = "POST",
    headers: list[list[str]] | None = None,
    body: bytes = b"",
    content_type: str = "",
    received_at: dt.datetime = T0,
) -> Hit:
    return Hit.objects.create_with_search_keys(
        method=method,
        path=path,
        headers=headers or [],
        body=body,
        body_size=len(body),
        content_type=content_type,
        received_at=received_at,
    )


def matching(query: str) -> list[str]:
    hit_filter = HitFilter.from_query(QueryDict(query))
    return [hit.path for hit in hit_filter.apply(Hit.objects.all()).order_by("id")]


def test_an_empty_query_is_the_empty_filter() -> None:
    hit_filter = HitFilter.from_query(QueryDict("cursor=5&limit=2"))
    assert hit_filter.is_empty
    assert hit_filter.as_query() == ""
    assert hit_filter.body_search_limit is None


def test_method_is_exact_and_upper_cased() -> None:
    make_hit("/a", "POST")
    make_hit("/b", "GET")
    make_hit("/c", "POSTX")
    assert matching("method=post") == ["/a"]


def test_path_prefix_is_case_sensitive_on_every_backend() -> None:
    make_hit("/github/push")
    make_hit("/GitHub/push")
    make_hit("/gitlab")
    assert matching("path=/github/") == ["/github/push"]


def test_path_prefix_longer_than_the_indexed_key_still_matches_exactly() -> None:
    long_path = "/x" + "a" * 300
    make_hit(long_path + "/1")
    make_hit(long_path + "/2")
    assert matching(f"path={long_path}/1") == [long_path + "/1"]


def test_path_prefix_treats_like_wildcards_literally() -> None:
    make_hit("/a%b")
    make_hit("/axb")
    make_hit("/a_b")
    assert matching("path=/a%25") == ["/a%b"]
    assert matching("path=/a_") == ["/a_b"]


def test_time_range_since_inclusive_until_exclusive() -> None:
    for minute in range(4):
        make_hit(f"/{minute}", received_at=T0 + dt.timedelta(minutes=minute))
    assert matching("since=2026-11-22T12:01:00Z&until=2026-11-22T12:03:00%2B00:00") == ["/1", "/2"]
    assert matching("since=2026-11-22T12:02") == ["/2", "/3"]  # no offset: UTC
    assert matching("until=2026-11-22") == []
    assert matching("since=2026-11-22&until=2026-11-23") == ["/0", "/1", "/2", "/3"]


def test_content_type_matches_the_media_type_ignoring_parameters_and_case() -> None:
    make_hit("/json", content_type="application/json; charset=utf-8")
    make_hit("/JSON", content_type="Application/JSON")
    make_hit("/form", content_type="application/x-www-form-urlencoded")
    assert matching("content_type=application/json") == ["/json", "/JSON"]


def test_header_name_any_case_and_exact_value() -> None:
    make_hit("/push", headers=[["X-GitHub-Event", "push"], ["Accept", "*/*"]])
    make_hit("/ping", headers=[["x-github-event", "ping"]])
    make_hit("/none", headers=[["Accept", "*/*"]])
    assert matching("header=X-Github-Event") == ["/push", "/ping"]
    assert matching("header=x-github-event&header_value=push") == ["/push"]
    assert matching("header=x-github-event&header_value=Push") == []


def test_repeated_headers_match_each_value_and_list_the_hit_once() -> None:
    make_hit("/twice", headers=[["X-Tag", "a"], ["X-Tag", "b"], ["x-tag", "a"]])
    assert matching("header=x-tag") == ["/twice"]
    assert matching("header=x-tag&header_value=b") == ["/twice"]
    assert matching("header=x-tag&header_value=a") == ["/twice"]


def test_empty_header_value_means_present_and_empty() -> None:
    make_hit("/empty", headers=[["X-Flag", ""]])
    make_hit("/set", headers=[["X-Flag", "1"]])
    assert matching("header=x-flag&header_value=") == ["/empty"]
    assert HitFilter.from_query(QueryDict("header=X-Flag&header_value=")).as_query() == (
        "header=X-Flag&header_value="
    )


def test_redacted_values_are_indexed_as_stored_never_as_sent(client: Client) -> None:
    client.post("/secret", HTTP_AUTHORIZATION="Bearer s3cr3t")
    assert matching("header=authorization&header_value=Bearer%20s3cr3t") == []
    assert matching("header=authorization&header_value=Bearer%20[redacted]") == ["/secret"]


def test_captures_get_search_keys(client: Client) -> None:
    client.post("/hooks/x", b"{}", content_type="application/json; charset=utf-8", HTTP_X_EVENT="e")
    hit = Hit.objects.get()
    assert (hit.media_type, hit.path_key) == ("application/json", "/hooks/x")
    assert matching("header=x-event&header_value=e&content_type=application/json&path=/hooks") == ["/hooks/x"]


def test_body_text_is_byte_exact_and_case_sensitive() -> None:
    make_hit("/a", body="café au lait".encode())
    make_hit("/b", body=b"\x00\xffCAF\xc3\xa9")
    make_hit("/c", body=b"100% sure")
    assert matching("q=caf%C3%A9") == ["/a"]
    assert matching("q=CAF%C3%A9") == ["/b"]
    assert matching("q=%25") == ["/c"]


@override_settings(HITS_BODY_SEARCH_LIMIT=3)
def test_body_search_reads_only_the_newest_n_hits_and_says_so() -> None:
    for number in range(5):
        make_hit(f"/{number}", body=b"needle")
    hit_filter = HitFilter.from_query(QueryDict("q=needle"))
    assert hit_filter.body_search_limit == 3
    assert matching("q=needle") == ["/2", "/3", "/4"]


def test_body_search_on_a_table_smaller_than_the_limit_searches_everything() -> None:
    make_hit("/only", body=b"needle")
    assert matching("q=needle") == ["/only"]


def test_filters_combine_with_and() -> None:
    make_hit("/gh/1", "POST", [["X-GitHub-Event", "push"]], b"main", "application/json")
    make_hit("/gh/2", "GET", [["X-GitHub-Event", "push"]], b"main", "application/json")
    make_hit("/gh/3", "POST", [["X-GitHub-Event", "ping"]], b"main", "application/json")
    make_hit("/gl/4", "POST", [["X-GitHub-Event", "push"]], b"main", "application/json")
    query = (
        "method=POST&path=/gh/&header=X-GitHub-Event&header_value=push&content_type=application/json&q=main"
    )
    assert matching(query) == ["/gh/1"]


def test_as_query_is_stable_and_round_trips() -> None:
    query = (
        "q=a+b&header_value=v&header=X-A&content_type=TEXT/plain&until=2026-11-23"
        "&since=2026-11-22T01:02:03Z&path=/p&method=get"
    )
    hit_filter = HitFilter.from_query(QueryDict(query))
    assert hit_filter.as_query() == (
        "method=GET&path=%2Fp&since=2026-11-22T01%3A02%3A03%2B00%3A00&until=2026-11-23T00%3A00%3A00%2B00%3A00"
        "&content_type=text%2Fplain&header=X-A&header_value=v&q=a+b"
    )
    assert HitFilter.from_query(QueryDict(hit_filter.as_query())) == hit_filter


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=yesterday", "since is not an ISO 8601 time: 'yesterday'"),
        ("until=2026-02-30", "until is not an ISO 8601 time"),
        ("since=2026-11-23&until=2026-11-22", "since must be earlier than until"),
        ("header_value=push", "header_value needs header"),
        ("header_value=", "header_value needs header"),
        ("since=0001-01-01", "since must be a time from 1970 to 9000"),
        ("until=9999-12-31T23:59:59", "until must be a time from 1970 to 9000"),
        ("method=PO%20ST", "method must be an HTTP method"),
        ("method=" + "X" * 40, "method must be an HTTP method"),
        ("path=/a&path=/b", "path is given 2 times"),
        ("q=" + "x" * 1025, "q is longer than 1024 characters"),
        ("q=%00", "q contains a NUL character"),
    ],
)
def test_bad_input_raises_a_message_for_the_user(query: str, message: str) -> None:
    with pytest.raises(FilterError, match=message.replace("(", r"\(")):
        HitFilter.from_query(QueryDict(query))


def test_time_bounds_hold_for_hits_stored_out_of_arrival_order() -> None:
    # Concurrent captures: a later id can carry an earlier received_at (within seconds).
    make_hit("/late-id-early-time", received_at=T0 + dt.timedelta(seconds=10))
    make_hit("/early-id-late-time", received_at=T0 + dt.timedelta(seconds=5))
    make_hit("/after", received_at=T0 + dt.timedelta(seconds=20))
    assert matching("until=2026-11-22T12:00:07Z") == ["/early-id-late-time"]
    assert matching("since=2026-11-22T12:00:07Z") == ["/late-id-early-time", "/after"]


def page_queries(query: str) -> int:
    hit_filter = HitFilter.from_query(QueryDict(query))
    with CaptureQueriesContext(connection) as queries:
        list(hit_filter.apply(Hit.objects.all()).order_by("-id")[:51])
    return len(queries.captured_queries)


def test_a_filtered_page_costs_the_same_queries_at_any_size() -> None:
    """One query; plus one small bound lookup per time bound and one for the body search window."""
    everything = "method=POST&path=/a&content_type=text/plain&header=X-A&header_value=1&q=x"
    with_times = everything + "&since=2026-01-01&until=2027-01-01"
    small = (page_queries(everything), page_queries(with_times))
    for number in range(50):
        make_hit(f"/a/{number}", headers=[["X-A", "1"]], body=b"x", content_type="text/plain")
    assert (page_queries(everything), page_queries(with_times)) == small == (2, 4)
    assert page_queries("method=POST&header=X-A") == 1


def explain(query: str) -> list[dict[str, Any]]:
    hit_filter = HitFilter.from_query(QueryDict(query))
    hits = hit_filter.apply(Hit.objects.defer("body")).order_by("-id")[:51]
    sql, params = hits.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


@pytest.mark.mariadb_only
@pytest.mark.django_db(transaction=True)  # ANALYZE TABLE commits implicitly: flush afterwards
@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("method=PUT", "hits_hit_method_idx"),
        ("content_type=text/csv", "hits_hit_media_type"),
        ("path=/rare/", "hits_hit_path_key"),
        ("header=X-Rare", "hits_hitheader_lookup_idx"),
        ("header=X-Rare&header_value=1", "hits_hitheader_lookup_idx"),
        # Times become a primary-key range (bounds read from the received_at index first); here the
        # rows' times run against their ids, so the received_at range may be the better one.
        ("since=2026-11-22T12:00:30Z&until=2026-11-22T12:00:31Z", ("PRIMARY", "hits_hit_received_at")),
    ],
)
def test_selective_filters_read_their_index_on_mariadb(query: str, index: str | tuple[str, ...]) -> None:
    # Enough common rows that a table scan loses to the index, and fresh statistics.
    rows = [
        Hit(method="POST", path=f"/common/{n}", path_key=f"/common/{n}", media_type="application/json")
        for n in range(2000)
    ]
    Hit.objects.bulk_create(rows)
    make_hit(
        "/rare/1",
        "PUT",
        [["X-Rare", "1"]],
        content_type="text/csv",
        received_at=T0 + dt.timedelta(seconds=30),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE hits_hit, hits_hitheader")
        cursor.fetchall()
    plan = explain(query)
    used = [row["key"] or "" for row in plan]
    assert any(key.startswith(index) for key in used), plan
    assert all(row["type"] != "ALL" for row in plan), plan
