"""Run schema-changing work as the admin database user, on the default alias.

The web path only ever knows the app user (DATABASE_URL: SELECT/INSERT/UPDATE/DELETE). The admin
user (DATABASE_ADMIN_URL) is read from the environment only inside `as_schema_admin()`, which schema
commands enter: on RDS Proxy that is the only place an admin IAM token is ever minted. Migrations
run on the *default* alias with admin credentials swapped in, so there is one django_migrations
history — the real one — and the app connection is closed on the way in and out, so nothing keeps
running as admin afterwards.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections

from webhook_site.database_config import database_settings

logger = logging.getLogger(__name__)

ADMIN_URL_VARIABLE = "DATABASE_ADMIN_URL"
# What identifies "who logs in" rather than "which database": only these are swapped.
CREDENTIAL_KEYS = ("USER", "PASSWORD")


def admin_role_configured() -> bool:
    return bool(os.environ.get(ADMIN_URL_VARIABLE))


def admin_credentials(app_settings: dict) -> dict:
    """USER/PASSWORD of the admin role, after checking it points at the app's very database."""
    admin = database_settings(ADMIN_URL_VARIABLE)
    for key in ("ENGINE", "NAME", "HOST", "PORT"):
        if str(admin.get(key)) != str(app_settings.get(key)):
            raise ImproperlyConfigured(
                f"{ADMIN_URL_VARIABLE} must name the same database as DATABASE_URL "
                f"({key}: {admin.get(key)!r} vs {app_settings.get(key)!r}); only the user may differ"
            )
    return {key: admin[key] for key in CREDENTIAL_KEYS}


@contextmanager
def as_schema_admin(alias: str = DEFAULT_DB_ALIAS) -> Iterator[str | None]:
    """Connect ``alias`` as the admin user for the duration; yields that user (None: no admin role)."""
    if not admin_role_configured():
        yield None
        return
    connection = connections[alias]
    saved = {key: connection.settings_dict[key] for key in CREDENTIAL_KEYS}
    credentials = admin_credentials(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(credentials)
    logger.info("connecting as the schema admin user %s", credentials["USER"])
    try:
        yield credentials["USER"]
    finally:
        connection.close()
        connection.settings_dict.update(saved)
