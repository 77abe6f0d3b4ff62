"""manage.py bootstrap_db_users: create the app and admin database users (run once, safe to re-run)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from db_roles.bootstrap import bootstrap_db_users


class Command(BaseCommand):
    help = (
        "Create the app user and the admin user with exactly the grants they need, using the master "
        "credentials: locally the users of DATABASE_URL and DATABASE_ADMIN_URL, in the admin stage the "
        "users of the proxy's secrets. Prints what it changed; re-running changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="set existing users' passwords to their secrets' again (after a secret rotation)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for line in bootstrap_db_users(reset_passwords=options["reset_passwords"]):
            self.stdout.write(line)
