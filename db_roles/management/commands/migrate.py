"""`manage.py migrate`, run as the admin database user: swapped in when DATABASE_ADMIN_URL names it,
the connection's own user in the admin stage, refused in a web stage (db_roles.admin_role).

Overrides Django's own migrate (an installed app's command wins over django.core's), so plain
`manage.py migrate` and `zappa manage <admin stage> migrate` need no extra flags.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import migrate
from django.db import connections

from db_roles.admin_role import as_schema_admin
from site_platform.connection_lifecycle import outside_request_cycle


class Command(migrate.Command):
    help = migrate.Command.help + " Runs as the admin database user (DATABASE_ADMIN_URL) when one is set."

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["database"]
        with outside_request_cycle(), as_schema_admin(alias) as admin_user:
            user = admin_user or connections[alias].settings_dict.get("USER")
            if user and options["verbosity"] >= 1:
                self.stdout.write(f"Migrating as database user {user}.")
            super().handle(*args, **options)
