"""purge_hits: deletes exactly what it is told to, refuses what it is not sure about, says what it did."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.core.management.color import no_style
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hits import retention
from hits.models import Hit
from hits.retention import MAX_BATCH_SIZE, MAX_KEEP, describe_duration, parse_duration
from local_rds_proxy.sql_classifier import MAX_UNPINNED_STATEMENT_BYTES

pytestmark = pytest.mark.django_db


def make_hits(ages_in_days: list[int]) -> None:
    now = timezone.now()
    Hit.objects.bulk_create(
        Hit(method="GET", path=f"/age/{age}", received_at=now - timedelta(days=age)) for age in ages_in_days
    )


def purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_hits", *args, stdout=out)
    return out.getvalue()


def remaining_ages() -> list[str]:
    return list(Hit.objects.newest_first().reverse().values_list("path", flat=True))


def refused(*args: str, match: str) -> None:
    """The command refuses with a message matching ``match`` and deletes nothing."""
    before = remaining_ages()
    with pytest.raises(CommandError, match=match):
        purge(*args)
    assert remaining_ages() == before


# -- what it deletes -------------------------------------------------------------------------------


def test_older_than_deletes_old_hits_in_batches() -> None:
    make_hits([30, 20, 10, 8, 1, 0])
    output = purge("--older-than", "7d", "--batch-size", "2")
    assert remaining_ages() == ["/age/1", "/age/0"]
    assert output.startswith("Deleted 4 hits, oldest first, at most 2 per statement.\n")


def test_keep_alone_keeps_the_newest() -> None:
    make_hits([5, 4, 3, 2, 1])
    assert purge("--keep", "2").startswith("Deleted 3 hits")
    assert remaining_ages() == ["/age/2", "/age/1"]


def test_keep_protects_the_newest_even_when_old() -> None:
    make_hits([30, 20, 10])
    assert purge("--older-than", "1d", "--keep", "2").startswith("Deleted 1 hits")
    assert remaining_ages() == ["/age/20", "/age/10"]


def test_older_than_wins_over_keep_when_it_keeps_more() -> None:
    make_hits([30, 20, 3, 2, 1])
    assert purge("--older-than", "7d", "--keep", "1").startswith("Deleted 2 hits")
    assert remaining_ages() == ["/age/3", "/age/2", "/age/1"]


def test_keep_more_than_exist_deletes_nothing() -> None:
    make_hits([3, 2])
    output = purge("--keep", "5")
    assert output.startswith("Deleted 0 hits")
    assert "id bound: none could go (no more than 5 hits at the start)" in output
    assert len(remaining_ages()) == 2


def test_largest_keep_is_accepted_on_every_database() -> None:
    make_hits([3, 2])
    assert purge("--keep", str(MAX_KEEP)).startswith("Deleted 0 hits")
    assert len(remaining_ages()) == 2


def test_largest_age_is_accepted() -> None:
    make_hits([40_000, 3])
    assert purge("--older-than", "36525d").startswith("Deleted 1 hits")
    assert remaining_ages() == ["/age/3"]


@pytest.mark.parametrize("confirmation", [["--all", "--yes"], ["--all", "--yes", "--keep", "0"]])
def test_all_yes_deletes_every_hit(confirmation: list[str]) -> None:
    make_hits([30, 1, 0])
    output = purge(*confirmation)
    assert output.startswith("Deleted 3 hits")
    assert "kept: only hits captured after the start (--all)" in output
    assert remaining_ages() == []


def test_all_on_an_empty_table_says_so() -> None:
    assert "id bound: none could go (there were no hits at the start)" in purge("--all", "--yes")


# -- what it says it did ---------------------------------------------------------------------------


def test_summary_names_cutoff_id_bound_and_kept() -> None:
    make_hits([30, 20, 10, 5, 1])
    newest = Hit.objects.newest_first().values_list("id", flat=True)
    newest_id, below_kept = newest[0], newest[2]
    before = timezone.now()
    lines = purge("--older-than", "7d", "--keep", "2").splitlines()
    assert lines[0] == "Deleted 3 hits, oldest first, at most 500 per statement."
    cutoff, bound, kept = lines[1:]
    assert cutoff.startswith("  cutoff: received before ")
    assert cutoff.endswith(" (7 days before the start)")
    cutoff_time = datetime.fromisoformat(cutoff.split()[3])
    assert before - timedelta(days=7) <= cutoff_time <= timezone.now() - timedelta(days=7)
    assert bound == (
        f"  id bound: id <= {below_kept} (below the newest 2; the newest hit at the start was {newest_id})"
    )
    assert kept == "  kept: the newest 2 hits, and every hit captured after the start"


def test_summary_of_an_age_alone() -> None:
    make_hits([10, 1])
    newest_id = Hit.objects.newest_first().values_list("id", flat=True)[0]
    lines = purge("--older-than", "90s").splitlines()
    assert lines[1].endswith(" (90 seconds before the start)")
    assert lines[2:] == [
        f"  id bound: id <= {newest_id} (the newest hit at the start)",
        "  kept: every hit received after the cutoff",
    ]


# -- what it refuses -------------------------------------------------------------------------------


def test_needs_an_instruction() -> None:
    make_hits([30])
    refused(match="say what to delete")


@pytest.mark.parametrize(
    ("age", "match"),
    [
        ("0s", "must be more than 0: an age of 0 or less would select every hit"),
        ("0d", "must be more than 0"),
        ("000w", "must be more than 0"),
        ("-7d", "must be more than 0"),
        ("", "--older-than is empty \\(an unset shell variable\\?\\)"),
        ("  ", "--older-than is empty"),
        ("7", "not an age: '7'"),
        ("7 days", "not an age"),
        ("7y", "not an age"),
        ("1.5d", "not an age"),
        ("d", "not an age"),
        ("\u0667d", "not an age"),  # ARABIC-INDIC DIGIT SEVEN: int() would take it, we do not
        ("36526d", "more than 100 years"),
        ("5219w", "more than 100 years"),
        ("99999999999999999999999999d", "more than 100 years"),  # timedelta would overflow
        ("9" * 400 + "s", "more than 100 years"),
    ],
)
def test_bad_ages_are_refused(age: str, match: str) -> None:
    make_hits([30, 0])
    refused(f"--older-than={age}", match=match)


@pytest.mark.parametrize(
    ("keep", "match"),
    [
        ("0", "--keep 0 keeps nothing: to delete every hit say --all --yes"),
        ("-1", "--keep must be from 1 to 9223372036854775807, not -1"),
        (str(MAX_KEEP + 1), "--keep must be from 1 to"),
        ("9" * 400, "--keep must be from 1 to"),
        ("", "--keep must be a whole number, not ''"),
        ("two", "--keep must be a whole number"),
        ("1e3", "--keep must be a whole number"),
        ("\u0665", "--keep must be a whole number"),  # ARABIC-INDIC DIGIT FIVE
    ],
)
def test_bad_keep_values_are_refused(keep: str, match: str) -> None:
    make_hits([30, 0])
    refused(f"--keep={keep}", match=match)


def test_keep_zero_is_refused_with_an_age_too() -> None:
    make_hits([30, 0])
    refused("--older-than", "7d", "--keep", "0", match="--keep 0 keeps nothing")


@pytest.mark.parametrize(
    ("batch_size", "match"),
    [
        ("0", "--batch-size must be from 1 to 500, not 0"),
        ("-5", "--batch-size must be from 1 to 500"),
        (str(MAX_BATCH_SIZE + 1), "--batch-size must be from 1 to 500, not 501"),
        ("9" * 400, "--batch-size must be from 1 to 500"),
        ("", "--batch-size must be a whole number"),
        ("lots", "--batch-size must be a whole number"),
    ],
)
def test_bad_batch_sizes_are_refused(batch_size: str, match: str) -> None:
    make_hits([30, 0])
    refused("--older-than", "7d", f"--batch-size={batch_size}", match=match)


def test_all_without_yes_refuses_and_says_what_it_would_delete() -> None:
    make_hits([30, 1, 0])
    newest_id = Hit.objects.newest_first().values_list("id", flat=True)[0]
    refused(
        "--all",
        match=(
            f"^--all would delete every hit captured so far: 3 hits \\(id <= {newest_id}\\)\\. "
            "Nothing was deleted; add --yes to go ahead\\.$"
        ),
    )


def test_all_without_yes_counts_only_up_to_a_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retention, "COUNT_LIMIT", 2)
    make_hits([30, 1, 0])
    refused("--all", match="--all would delete every hit captured so far: at least 2 hits")


def test_all_without_yes_on_an_empty_table_still_refuses() -> None:
    refused("--all", match="^--all would delete nothing: there are no hits. Nothing was deleted")


@pytest.mark.parametrize(
    "extra", [["--older-than", "7d"], ["--keep", "5"]], ids=["with-older-than", "with-keep"]
)
def test_all_cannot_be_combined_with_a_rule(extra: list[str]) -> None:
    make_hits([30, 0])
    refused("--all", "--yes", *extra, match="--all deletes every hit: it cannot be combined")


def test_yes_without_all_is_refused() -> None:
    make_hits([30, 0])
    refused("--older-than", "7d", "--yes", match="--yes only confirms --all")


# -- how it deletes --------------------------------------------------------------------------------


def reset_hit_ids() -> None:
    """Empty the table and restart its ids (a rollback would leave MariaDB's AUTO_INCREMENT where it got)."""
    with connection.cursor() as cursor:
        for statement in connection.ops.sql_flush(no_style(), [Hit._meta.db_table], reset_sequences=True):
            cursor.execute(statement)


@pytest.mark.django_db(transaction=True)
def test_each_delete_stays_well_under_the_proxy_pinning_threshold() -> None:
    """A full batch of the largest possible ids is the longest DELETE a purge can send."""
    largest_id = connection.ops.integer_field_range("BigAutoField")[1]
    Hit.objects.bulk_create(Hit(id=largest_id - n, method="GET", path="/") for n in range(MAX_BATCH_SIZE))
    try:
        with CaptureQueriesContext(connection) as queries:
            purge("--all", "--yes")
    finally:
        reset_hit_ids()
    deletes = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("DELETE")]
    # Their search keys (hits_hitheader) go first, by the same ids; Django may split either DELETE
    # into smaller ones (100 ids each), never into a longer one. No hit's body is read to delete it.
    assert any("hits_hitheader" in sql for sql in deletes)
    assert not any("body" in query["sql"] for query in queries.captured_queries)
    size = max(len(sql.encode()) for sql in deletes)
    print(f"\nlongest DELETE of {MAX_BATCH_SIZE} 19-digit ids: {size} bytes")
    assert size < 0.75 * MAX_UNPINNED_STATEMENT_BYTES


Wrapper = Callable[..., Any]
MAX_CAPTURES = 20


@pytest.mark.mariadb_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("rule", "old_survivors"),
    [(["--all", "--yes"], 0), (["--older-than", "7d"], 0), (["--keep", "3"], 3)],
    ids=["all", "older-than", "keep"],
)
def test_hits_captured_while_a_purge_runs_survive(rule: list[str], old_survivors: int) -> None:
    """Another thread captures a hit before every DELETE the purge sends. The captured hits carry an old
    received_at (a request's time is taken when it arrives; a slow upload is stored much later), so only
    the bounds fixed at the start can save them."""
    make_hits([30] * 12)
    old_ids = list(Hit.objects.newest_first().values_list("id", flat=True))
    capture_wanted, captured = threading.Event(), threading.Event()
    captured_ids: list[int] = []
    purge_over = False

    def capture_on_demand() -> None:
        try:
            while capture_wanted.wait(timeout=30) and not purge_over:
                capture_wanted.clear()
                hit = Hit.objects.create(
                    method="POST", path="/during", received_at=timezone.now() - timedelta(days=30)
                )
                captured_ids.append(hit.id)
                captured.set()
        finally:
            connection.close()

    def capture_before_each_delete(execute: Wrapper, sql: str, *args: Any) -> Any:
        # Capped, so a purge that kept deleting new hits would end (and fail below) instead of looping.
        # (Each batch also deletes its hits' search keys first; one capture per batch is the point.)
        deletes_hits = sql.startswith("DELETE") and "hits_hitheader" not in sql
        if deletes_hits and len(captured_ids) < MAX_CAPTURES:
            captured.clear()
            capture_wanted.set()
            assert captured.wait(timeout=30), "the capturing thread did not answer"
        return execute(sql, *args)

    capturer = threading.Thread(target=capture_on_demand)
    capturer.start()
    try:
        with connection.execute_wrapper(capture_before_each_delete):
            output = purge(*rule, "--batch-size", "2")
    finally:
        purge_over = True
        capture_wanted.set()
        capturer.join(timeout=30)
    doomed = len(old_ids) - old_survivors
    assert output.startswith(f"Deleted {doomed} hits")
    assert len(captured_ids) == (doomed + 1) // 2  # one capture before every batch of two
    remaining = set(Hit.objects.values_list("id", flat=True))
    assert remaining == set(old_ids[:old_survivors]) | set(captured_ids)


# -- parsing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("12h", timedelta(hours=12)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        (" 7d ", timedelta(days=7)),
        ("36525d", timedelta(days=36_525)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("age", "words"),
    [
        (timedelta(weeks=2), "14 days"),
        (timedelta(hours=36), "36 hours"),
        (timedelta(minutes=30), "30 minutes"),
        (timedelta(seconds=90), "90 seconds"),
    ],
)
def test_ages_are_described_in_the_largest_exact_unit(age: timedelta, words: str) -> None:
    assert describe_duration(age) == words
