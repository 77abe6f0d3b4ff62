"""Run migrations as the admin user and say what happened, for `zappa invoke` callers."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.core.management.commands.migrate import Command as DjangoMigrateCommand
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from db_roles.admin_role import as_schema_admin
from site_platform.connection_lifecycle import outside_request_cycle


@dataclass(frozen=True)
class MigrationSummary:
    database_user: str
    applied: list[str]
    unapplied: list[str]
    output: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def current_database_user(alias: str = DEFAULT_DB_ALIAS) -> str:
    """Who the server says we are logged in as (CURRENT_USER(), e.g. webhook_admin@%)."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT CURRENT_USER()")
        return str(cursor.fetchone()[0])


def migration_state(alias: str = DEFAULT_DB_ALIAS) -> tuple[list[str], list[str]]:
    """(applied, unapplied) migration names, e.g. "hits.0001_initial"."""
    executor = MigrationExecutor(connections[alias])
    applied = sorted(f"{app}.{name}" for app, name in executor.recorder.applied_migrations())
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    unapplied = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
    return applied, unapplied


def migrate_as_admin(alias: str = DEFAULT_DB_ALIAS) -> MigrationSummary:
    """Apply every pending migration as the schema admin; the admin connection is closed after."""
    output = StringIO()
    with outside_request_cycle(), as_schema_admin(alias):
        user = current_database_user(alias)
        applied_before, _ = migration_state(alias)
        # Django's own command: we already hold the admin role here.
        call_command(DjangoMigrateCommand(), database=alias, interactive=False, stdout=output)
        applied_after, unapplied = migration_state(alias)
    newly_applied = sorted(set(applied_after) - set(applied_before))
    return MigrationSummary(user, newly_applied, unapplied, output.getvalue().splitlines())
