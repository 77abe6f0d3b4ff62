"""The hits app's migrations, in order, read from disk: what migrating `hits` from zero applies."""

from __future__ import annotations

from django.db.migrations.loader import MigrationLoader


def hits_migrations() -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [f"hits.{name}" for app, name in sorted(loader.disk_migrations) if app == "hits"]
