"""Migration 0002 fills the search keys of hits stored before it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import QueryDict

from hits.filters import HitFilter
from hits.models import Hit

BEFORE = [("hits", "0001_initial")]
AFTER = [("hits", "0002_search_keys")]


@pytest.mark.django_db(transaction=True)
def test_search_keys_are_backfilled_for_existing_hits() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_hit = executor.loader.project_state(BEFORE).apps.get_model("hits", "Hit")
    old_hit.objects.create(
        method="POST",
        path="/old/hook",
        headers=[["X-GitHub-Event", "push"], ["Content-Type", "Application/JSON; charset=utf-8"]],
        content_type="Application/JSON; charset=utf-8",
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("hits"))
    hit = Hit.objects.get()
    assert (hit.media_type, hit.path_key) == ("application/json", "/old/hook")
    found = HitFilter.from_query(QueryDict("header=x-github-event&header_value=push")).apply(
        Hit.objects.all()
    )
    assert list(found) == [hit]
