"""The hits app's migrations on disk, in order: what `migrate` applies after `migrate hits zero`."""

from __future__ import annotations

from django.db.migrations.loader import MigrationLoader


def hits_migrations() -> list[str]:
    names = sorted(
        name
        for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations
        if app == "hits"
    )
    return [f"hits.{name}" for name in names]
