"""The live list's rows fragment: hits newer than ?after=, rendered by the list's own row template."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hits.models import Hit

pytestmark = pytest.mark.django_db


def make_hits(count: int, path: str = "/seed") -> list[Hit]:
    return Hit.objects.bulk_create(Hit(method="POST", path=f"{path}/{n}") for n in range(count))


def row_ids(fragment: bytes) -> list[int]:
    return [int(found) for found in re.findall(rb'<tr data-id="(\d+)"', fragment)]


def test_rows_after_an_id_come_newest_first() -> None:
    first, *newer = Hit.objects.order_by("id").filter(pk__in=[h.pk for h in make_hits(4)])
    response = Client().get(f"/_/rows?after={first.id}")
    assert row_ids(response.content) == [hit.id for hit in reversed(newer)]
    assert response["X-More-Hits"] == "false"
    assert response["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_more_than_a_page_returns_the_oldest_first_page_so_none_is_skipped() -> None:
    make_hits(5)
    ids = sorted(Hit.objects.values_list("id", flat=True))
    response = Client().get(f"/_/rows?after={ids[0]}&limit=2")
    assert row_ids(response.content) == [ids[2], ids[1]]
    assert response["X-More-Hits"] == "true"


def test_nothing_new_is_an_empty_fragment() -> None:
    (hit,) = make_hits(1)
    response = Client().get(f"/_/rows?after={hit.id}")
    assert response.status_code == 200
    assert row_ids(response.content) == []


@pytest.mark.parametrize("query", ["", "?after=", "?after=abc", "?after=-1", "?after=1&limit=0"])
def test_bad_parameters_get_400(query: str) -> None:
    assert Client().get(f"/_/rows{query}").status_code == 400


def test_one_query_whatever_the_table_size() -> None:
    make_hits(3)
    with CaptureQueriesContext(connection) as small:
        Client().get("/_/rows?after=1")
    make_hits(300)
    with CaptureQueriesContext(connection) as large:
        Client().get("/_/rows?after=1&limit=5")
    assert len(small.captured_queries) == len(large.captured_queries) == 1
    assert "LIMIT 6" in large.captured_queries[0]["sql"].upper()


@pytest.mark.parametrize("url", ["/_/", "/_/rows?after=0"])
def test_rows_load_neither_bodies_nor_headers(url: str) -> None:
    make_hits(2)
    with CaptureQueriesContext(connection) as queries:
        Client().get(url)
    (query,) = queries.captured_queries
    selected = query["sql"].replace("`", '"').split(" FROM ")[0]
    assert '"body"' not in selected
    assert '"headers"' not in selected


def test_rows_escape_captured_values() -> None:
    Hit.objects.create(method="POST", path="/<img src=x onerror=alert(1)>", content_type="<b>")
    fragment = Client().get("/_/rows?after=0").content.decode()
    assert "<img" not in fragment
    assert "&lt;img src=x onerror=alert(1)&gt;" in fragment


def test_only_the_newest_page_is_live() -> None:
    make_hits(3)
    newest = Client().get("/_/?limit=2").content.decode()
    assert 'data-live-url="/_/rows"' in newest
    assert "hits/live.js" in newest
    older = Client().get(f"/_/?limit=2&cursor={Hit.objects.order_by('-id')[1].id}").content.decode()
    assert "data-live-url" not in older
    assert "hits/live.js" not in older
