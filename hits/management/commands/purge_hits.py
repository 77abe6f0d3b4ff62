"""manage.py purge_hits --older-than 7d --keep 1000"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hits.retention import DEFAULT_BATCH_SIZE, PurgePlan, parse_duration, purge
from webhook_site.connection_lifecycle import outside_request_cycle


class Command(BaseCommand):
    help = (
        "Delete hits received longer ago than --older-than, always keeping the newest --keep hits. "
        "With only --keep, delete all but the newest N. Deletes in small batches."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--older-than", help="age such as 90s, 30m, 12h, 7d, 2w")
        parser.add_argument("--keep", type=int, help="always keep this many newest hits")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["older_than"] is None and options["keep"] is None:
            raise CommandError("say what to delete: --older-than DURATION and/or --keep N")
        if options["keep"] is not None and options["keep"] < 0:
            raise CommandError("--keep must be 0 or more")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            age = parse_duration(options["older_than"]) if options["older_than"] else None
        except ValueError as error:
            raise CommandError(str(error)) from error
        plan = PurgePlan(received_before=timezone.now() - age if age else None, keep=options["keep"])
        with outside_request_cycle():
            deleted = purge(plan, batch_size=options["batch_size"])
        described = []
        if plan.received_before:
            described.append(f"received before {plan.received_before.isoformat()}")
        if plan.keep is not None:
            described.append(f"keeping the newest {plan.keep}")
        self.stdout.write(f"Deleted {deleted} hits ({', '.join(described)}).")
