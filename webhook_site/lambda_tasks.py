"""Operator tasks for `zappa invoke <stage> webhook_site.lambda_tasks.<name>`.

Zappa sends {"command": "webhook_site.lambda_tasks.migrate"} and calls the function with
(event, context); whatever it returns is printed by `zappa invoke` and written to the function's
log, so nothing returned here may contain a secret. Each task recycles stale connections around
itself, since health checks only run inside the request cycle.
"""

from __future__ import annotations

from typing import Any

from db_roles.migration_summary import migrate_as_admin, migration_state
from site_platform.connection_lifecycle import outside_request_cycle

Event = dict[str, Any] | None


def migrate(event: Event = None, context: object = None) -> dict[str, Any]:
    """Apply pending migrations as the admin database user; returns what was applied."""
    return migrate_as_admin().as_dict()


def migration_status(event: Event = None, context: object = None) -> dict[str, Any]:
    """Applied and pending migrations, read as the app user."""
    with outside_request_cycle():
        applied, unapplied = migration_state()
    return {"applied_count": len(applied), "unapplied": unapplied, "up_to_date": not unapplied}


def bootstrap_db_users(event: Event = None, context: object = None) -> dict[str, Any]:
    """Create/check the app and admin database users with the master secret; returns the changes."""
    from db_roles.bootstrap import bootstrap_db_users as bootstrap

    reset_passwords = bool((event or {}).get("reset_passwords"))
    return {"changes": bootstrap(reset_passwords=reset_passwords)}


def create_superuser(event: Event = None, context: object = None) -> dict[str, Any]:
    """Create the first admin-site user from the secret in DJANGO_SUPERUSER_SECRET_ARN."""
    from webhook_site.superuser import create_superuser_from_secret

    with outside_request_cycle():
        return create_superuser_from_secret()


# Seconds left for the function to return after the last batch: one batch takes well under a second
# (docs/endpoints.md, the purge's cost), the rest covers the command's report and Lambda's own overhead.
PURGE_SAFETY_SECONDS = 5


def purge_endpoint_hits(event: Event = None, context: object = None) -> dict[str, Any]:
    """The daily scheduled purge (zappa_settings.json "events"): every endpoint rule's retention,
    as the app user, stopping in time to return before the function's timeout."""
    from io import StringIO

    from django.core.management import call_command

    remaining_ms = getattr(context, "get_remaining_time_in_millis", lambda: 28_000)()
    time_limit = max(1, remaining_ms // 1000 - PURGE_SAFETY_SECONDS)
    output = StringIO()
    call_command("purge_hits", "--endpoint-rules", "--time-limit", str(time_limit), stdout=output)
    return {"time_limit_seconds": time_limit, "report": output.getvalue().splitlines()}
