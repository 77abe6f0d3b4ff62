"""manage.py purge_hits --older-than 7d --keep 1000 | --all --yes | --endpoint-rules [--time-limit 20]"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hits.retention import (
    DEFAULT_BATCH_SIZE,
    MAX_BATCH_SIZE,
    PurgePlan,
    RetentionError,
    RetentionRule,
    check_batch_size,
    count_doomed,
    parse_duration,
    parse_whole_number,
    plan_purge,
    purge,
)
from hits.rule_retention import RulePurge, purge_endpoint_rules
from site_platform.connection_lifecycle import outside_request_cycle


class Command(BaseCommand):
    help = (
        "Delete hits received longer ago than --older-than, always keeping the newest --keep hits; "
        "with only --keep, delete all but the newest N; --all --yes deletes every hit. Only hits that "
        "existed when the purge started can go. Deletes oldest first, in small batches. "
        "--endpoint-rules applies each endpoint rule's own retention to the hits captured under it."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--older-than", metavar="AGE", help="an age such as 90s, 30m (minutes), 12h, 7d, 2w"
        )
        parser.add_argument("--keep", metavar="N", help="always keep the newest N hits (N >= 1)")
        parser.add_argument("--all", action="store_true", help="delete every hit (needs --yes)")
        parser.add_argument("--yes", action="store_true", help="confirm --all")
        parser.add_argument(
            "--endpoint-rules",
            action="store_true",
            help="apply each endpoint rule's retention (max age, max count) to its own hits",
        )
        parser.add_argument(
            "--time-limit",
            metavar="SECONDS",
            help="start no batch after this many seconds (a scheduled run inside a function timeout); "
            "what is left goes on the next run",
        )
        parser.add_argument(
            "--batch-size",
            metavar="N",
            default=str(DEFAULT_BATCH_SIZE),
            help=f"rows per DELETE, 1 to {MAX_BATCH_SIZE} (default {DEFAULT_BATCH_SIZE})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["endpoint_rules"]:
            self.purge_endpoint_rules(options)
            return
        if options["time_limit"] is not None:
            raise CommandError("--time-limit goes with --endpoint-rules")
        try:
            rule = self.rule_from(options)
            batch_size = check_batch_size(parse_whole_number(options["batch_size"], "--batch-size"))
        except RetentionError as error:
            raise CommandError(str(error)) from error
        if options["yes"] and not rule.everything:
            raise CommandError("--yes only confirms --all; leave it out")
        with outside_request_cycle():
            plan = plan_purge(rule, timezone.now())
            if rule.everything and not options["yes"]:
                raise CommandError(
                    f"{what_all_would_delete(plan)} Nothing was deleted; add --yes to go ahead."
                )
            deleted = purge(plan, batch_size=batch_size)
        self.stdout.write(f"Deleted {deleted} hits, oldest first, at most {batch_size} per statement.")
        for line in plan.describe():
            self.stdout.write(f"  {line}")

    def purge_endpoint_rules(self, options: dict[str, Any]) -> None:
        if (
            options["older_than"] is not None
            or options["keep"] is not None
            or options["all"]
            or options["yes"]
        ):
            raise CommandError(
                "--endpoint-rules uses each rule's own retention: "
                "leave out --older-than, --keep, --all and --yes"
            )
        try:
            batch_size = check_batch_size(parse_whole_number(options["batch_size"], "--batch-size"))
            limit = options["time_limit"]
            seconds = parse_whole_number(limit, "--time-limit") if limit is not None else None
        except RetentionError as error:
            raise CommandError(str(error)) from error
        if seconds is not None and seconds < 1:
            raise CommandError(f"--time-limit must be at least 1 second, not {seconds}")
        deadline = time.monotonic() + seconds if seconds is not None else None
        with outside_request_cycle():
            results = purge_endpoint_rules(timezone.now(), batch_size, deadline)
        if not results:
            self.stdout.write("No endpoint rule has a retention: nothing to do.")
        for result in results:
            self.stdout.write(describe_rule_purge(result))
        if results and not results[-1].finished:
            self.stdout.write("Stopped at the time limit: the next run continues where this one stopped.")

    @staticmethod
    def rule_from(options: dict[str, Any]) -> RetentionRule:
        older_than = options["older_than"]
        keep = options["keep"]
        return RetentionRule(
            older_than=parse_duration(older_than) if older_than is not None else None,
            keep=parse_whole_number(keep, "--keep") if keep is not None else None,
            everything=options["all"],
        )


def what_all_would_delete(plan: PurgePlan) -> str:
    if plan.max_id == 0:
        return "--all would delete nothing: there are no hits."
    count, capped = count_doomed(plan)
    return (
        f"--all would delete every hit captured so far: {'at least ' if capped else ''}{count} hits "
        f"(id <= {plan.max_id})."
    )


def describe_rule_purge(result: RulePurge) -> str:
    rule = f"rule {result.rule.pk} {result.rule.name!r} ({result.rule.path_prefix})"
    if result.error:
        return f"{rule}: skipped, its retention is invalid: {result.error}"
    state = "" if result.finished else " (not finished)"
    return f"{rule}: deleted {result.deleted} hits{state}"
