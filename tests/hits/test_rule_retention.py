"""Each rule's retention applied by `purge_hits --endpoint-rules` to its own hits only, and the daily
scheduled purge through Zappa's real handler (the scheduled-event path) on the production stage."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from zappa.handler import LambdaHandler

from endpoints.models import EndpointRule
from hits.models import Hit
from tests.endpoints.rules import make_rule
from tests.lambda_events import LambdaContext
from tests.webhook_site.test_lambda_handler import production_handler

__all__ = ["production_handler"]

pytestmark = pytest.mark.django_db(transaction=True)
REPO = Path(__file__).resolve().parents[2]


def make_hits(rule: EndpointRule | None, ages_in_days: list[int]) -> None:
    now = timezone.now()
    prefix = rule.path_prefix if rule else "/free"
    Hit.objects.bulk_create(
        Hit(method="POST", path=f"{prefix}/{age}", endpoint=rule, received_at=now - timedelta(days=age))
        for age in ages_in_days
    )


def paths(rule: EndpointRule | None) -> list[str]:
    hits = Hit.objects.filter(endpoint=rule).order_by("id")
    return list(hits.values_list("path", flat=True))


def purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_hits", "--endpoint-rules", *args, stdout=out)
    return out.getvalue()


def test_each_rule_purges_only_its_own_hits() -> None:
    aged = make_rule("/aged", retention_max_age=timedelta(days=7))
    counted = make_rule("/counted", retention_max_count=2)
    forever = make_rule("/forever")
    for rule in (aged, counted, forever, None):
        make_hits(rule, [30, 10, 5, 1])
    output = purge()
    assert paths(aged) == ["/aged/5", "/aged/1"]
    assert paths(counted) == ["/counted/5", "/counted/1"]
    assert paths(forever) == ["/forever/30", "/forever/10", "/forever/5", "/forever/1"]
    assert paths(None) == ["/free/30", "/free/10", "/free/5", "/free/1"]
    assert f"rule {aged.pk} '/aged' (/aged): deleted 2 hits" in output
    assert f"rule {counted.pk} '/counted' (/counted): deleted 2 hits" in output


def test_the_report_counts_hits_not_their_search_keys() -> None:
    rule = make_rule("/keyed", retention_max_count=1)
    for number in range(3):
        Hit.objects.create_with_search_keys(
            method="POST", path=f"/keyed/{number}", endpoint=rule, headers=[["X-A", "1"], ["X-B", "2"]]
        )
    assert purge() == f"rule {rule.pk} '/keyed' (/keyed): deleted 2 hits\n"
    assert paths(rule) == ["/keyed/2"]


def test_age_and_count_together_keep_the_newest_count() -> None:
    both = make_rule("/both", retention_max_age=timedelta(days=2), retention_max_count=3)
    make_hits(both, [30, 20, 10, 5, 1])
    purge()
    assert paths(both) == ["/both/10", "/both/5", "/both/1"]


def test_no_rule_with_a_retention_says_so() -> None:
    make_rule("/x")
    assert purge() == "No endpoint rule has a retention: nothing to do.\n"


def test_a_time_limit_stops_between_batches_and_the_next_run_continues() -> None:
    rule = make_rule("/many", retention_max_count=1)
    make_hits(rule, [9, 8, 7, 6, 5])
    first = purge("--batch-size", "1", "--time-limit", "1")
    assert Hit.objects.filter(endpoint=rule).count() >= 1
    if "not finished" in first:
        assert "the next run continues" in first
    purge()
    assert paths(rule) == ["/many/5"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--keep", "5"], "leave out --older-than, --keep, --all and --yes"),
        (["--time-limit", "0"], "--time-limit must be at least 1 second"),
        (["--time-limit", "soon"], "--time-limit must be a whole number"),
    ],
)
def test_bad_endpoint_rule_options_are_refused(extra: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        purge(*extra)


def test_a_time_limit_alone_is_refused() -> None:
    with pytest.raises(CommandError, match="--time-limit goes with --endpoint-rules"):
        call_command("purge_hits", "--older-than", "7d", "--time-limit", "5")


def scheduled_event(rule_name: str) -> dict[str, Any]:
    """What EventBridge sends for a Zappa "events" entry (the rule's name ends in the function path)."""
    return {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-12-01T03:00:00Z",
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{rule_name}"],
        "detail": {},
    }


def test_the_production_schedule_names_the_purge_task() -> None:
    settings = json.loads((REPO / "zappa_settings.json").read_text())
    (event,) = settings["production"]["events"]
    assert event == {
        "function": "webhook_site.lambda_tasks.purge_endpoint_hits",
        "expression": "cron(15 3 * * ? *)",
    }
    assert settings["production_admin"]["events"] == []
    assert settings["dev_admin"]["events"] == []


def test_the_scheduled_event_runs_the_purge_through_the_handler(production_handler: LambdaHandler) -> None:
    rule = make_rule("/aged", retention_max_age=timedelta(days=7))
    make_hits(rule, [30, 1])
    # Zappa names the rule <function name, truncated>-<function path> (core.get_event_name).
    event = scheduled_event("webhook-site-production-webhook_site.lambda_tasks.purge_endpoint_hits")
    result = production_handler.handler(event, LambdaContext())
    assert paths(rule) == ["/aged/1"]
    assert result["report"] == [f"rule {rule.pk} '/aged' (/aged): deleted 1 hits"]
    assert 1 <= result["time_limit_seconds"] < 28
