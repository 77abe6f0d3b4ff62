"""`manage.py migrate`, run as the admin database user whenever DATABASE_ADMIN_URL is set.

Overrides Django's own migrate (an installed app's command wins over django.core's), so plain
`manage.py migrate` and `zappa manage <stage> migrate` need no extra flags.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import migrate

from db_roles.admin_role import as_schema_admin
from webhook_site.connection_lifecycle import outside_request_cycle


class Command(migrate.Command):
    help = migrate.Command.help + " Runs as the admin database user (DATABASE_ADMIN_URL) when one is set."

    def handle(self, *args: Any, **options: Any) -> None:
        with outside_request_cycle(), as_schema_admin(options["database"]) as admin_user:
            if admin_user and options["verbosity"] >= 1:
                self.stdout.write(f"Migrating as database user {admin_user}.")
            super().handle(*args, **options)
