"""purge_hits: deletes what it is told to, in batches, and says what it did."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from hits.models import Hit
from hits.retention import parse_duration

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
    return list(Hit.objects.order_by("id").values_list("path", flat=True))


def test_older_than_deletes_old_hits_in_batches() -> None:
    make_hits([30, 20, 10, 8, 1, 0])
    output = purge("--older-than", "7d", "--batch-size", "2")
    assert remaining_ages() == ["/age/1", "/age/0"]
    assert output.startswith("Deleted 4 hits (received before ")


def test_keep_alone_keeps_the_newest() -> None:
    make_hits([5, 4, 3, 2, 1])
    assert "Deleted 3 hits" in purge("--keep", "2")
    assert remaining_ages() == ["/age/2", "/age/1"]


def test_keep_protects_the_newest_even_when_old() -> None:
    make_hits([30, 20, 10])
    assert "Deleted 1 hits" in purge("--older-than", "1d", "--keep", "2")
    assert remaining_ages() == ["/age/20", "/age/10"]


def test_keep_more_than_exist_deletes_nothing() -> None:
    make_hits([3, 2])
    assert "Deleted 0 hits" in purge("--keep", "5")
    assert len(remaining_ages()) == 2


def test_needs_an_instruction() -> None:
    with pytest.raises(CommandError, match="say what to delete"):
        call_command("purge_hits")


def test_bad_duration_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="not a duration"):
        call_command("purge_hits", "--older-than", "7 days")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("12h", timedelta(hours=12)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
