"""Which rule a path falls under: whole segments, the longest prefix, one bounded query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from endpoints.lookup import candidate_prefixes, rule_for_path
from endpoints.models import MAX_PREFIX_SEGMENTS
from tests.endpoints.rules import make_rule


@pytest.mark.parametrize(
    ("path", "candidates"),
    [
        ("/", ["/"]),
        ("/a", ["/", "/a"]),
        ("/a/b/c", ["/", "/a", "/a/b", "/a/b/c"]),
        ("/a//b/", ["/", "/a", "/a/b"]),
    ],
)
def test_candidates_are_the_segment_prefixes(path: str, candidates: list[str]) -> None:
    assert candidate_prefixes(path) == candidates


def test_candidates_are_bounded_however_deep_the_path() -> None:
    assert len(candidate_prefixes("/x" * 10_000)) == MAX_PREFIX_SEGMENTS + 1


@pytest.mark.django_db
def test_a_prefix_matches_whole_segments_only() -> None:
    rule = make_rule("/hooks")
    assert rule_for_path("/hooks") == rule
    assert rule_for_path("/hooks/github/x") == rule
    assert rule_for_path("/hooksx") is None
    assert rule_for_path("/hook") is None


@pytest.mark.django_db
def test_the_longest_prefix_wins_and_root_catches_the_rest() -> None:
    root, hooks, github = make_rule("/"), make_rule("/hooks"), make_rule("/hooks/github")
    assert rule_for_path("/hooks/github/push") == github
    assert rule_for_path("/hooks/stripe") == hooks
    assert rule_for_path("/other") == root


@pytest.mark.django_db
def test_matching_is_case_sensitive_on_every_database() -> None:
    """MySQL's collations compare case-insensitively; the lookup keeps only exact matches."""
    make_rule("/Hooks")
    assert rule_for_path("/hooks/x") is None
    assert rule_for_path("/Hooks/x") is not None


@pytest.mark.django_db
def test_one_query_whatever_the_number_of_rules() -> None:
    for number in range(50):
        make_rule(f"/r{number}")
    with CaptureQueriesContext(connection) as queries:
        rule_for_path("/r7/deep/path")
    assert len(queries.captured_queries) == 1
    assert "IN" in queries.captured_queries[0]["sql"]


def test_a_rule_prefix_must_be_a_clean_path() -> None:
    from django.core.exceptions import ValidationError

    from endpoints.models import validate_path_prefix

    for bad in ("hooks", "/hooks/", "/a//b", "/a b", "/a?x", "/_", "/admin/x", "/static"):
        with pytest.raises(ValidationError):
            validate_path_prefix(bad)
    validate_path_prefix("/")
    validate_path_prefix("/hooks/github")


def test_the_reserved_segments_are_the_urlconfs() -> None:
    from endpoints.models import reserved_segments
    from webhook_site.urls import RESERVED_SEGMENTS

    assert reserved_segments() == set(RESERVED_SEGMENTS)


def test_a_rules_retention_bound_is_purge_hits_own() -> None:
    from endpoints.models import MAX_RETENTION_AGE
    from hits.retention import MAX_AGE

    assert MAX_RETENTION_AGE == MAX_AGE
