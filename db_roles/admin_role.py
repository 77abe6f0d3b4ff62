"""Which database user this process may act as, and running schema work as the admin user.

Deployed, the two users live in two functions with two IAM roles (docs/deploy.md): the web stage's
DATABASE_URL is the app user (SELECT/INSERT/UPDATE/DELETE) and its role may log in as nothing else;
the admin stage's DATABASE_URL *is* the admin user, so its schema work needs no switching at all. The
web stage names its admin stage in SCHEMA_ADMIN_STAGE, and admin tasks started there are refused with
the command to run instead, never attempted as the app user.

Processes that legitimately hold both roles (make stack, the tests, the benchmarks) name the admin
user in DATABASE_ADMIN_URL; `as_schema_admin()` then connects *this thread's* connection of the
default alias as that user for the duration, so there is one django_migrations history, and closes
it on the way in and out, so nothing keeps running as admin afterwards.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

ADMIN_URL_VARIABLE = "DATABASE_ADMIN_URL"  # read by settings into SCHEMA_ADMIN_DATABASE
ADMIN_STAGE_VARIABLE = "SCHEMA_ADMIN_STAGE"
# Taken from DATABASE_ADMIN_URL: who logs in, and OPTIONS, which carry the admin's lack of a read timeout.
ADMIN_KEYS = ("USER", "PASSWORD", "OPTIONS")
# How an operator runs each admin task in the admin stage (docs/deploy.md §4), for the refusal below.
ADMIN_STAGE_COMMANDS = {
    "migrate": "`zappa manage {stage} migrate` (or `zappa invoke {stage} webhook_site.lambda_tasks.migrate`)",
    "bootstrap_db_users": "`zappa invoke {stage} webhook_site.lambda_tasks.bootstrap_db_users`",
    "create_superuser": "`zappa invoke {stage} webhook_site.lambda_tasks.create_superuser`",
}


class SchemaAdminElsewhere(CommandError):
    """This function connects only as the app user; the admin task belongs to the admin stage."""


def admin_role_configured() -> bool:
    return settings.SCHEMA_ADMIN_DATABASE is not None


def refuse_in_web_stage(task: str) -> None:
    """Raise SchemaAdminElsewhere when this is a web stage's function (it names its admin stage)."""
    stage = os.environ.get(ADMIN_STAGE_VARIABLE)
    if stage and not admin_role_configured():
        command = ADMIN_STAGE_COMMANDS[task].format(stage=stage)
        raise SchemaAdminElsewhere(
            f"{task} is an admin task, and this function connects only as the app user, which may not "
            f"run it: run {command} in the admin stage {stage} instead"
        )


def database_users() -> tuple[str | None, str]:
    """(app user, admin user) as this process's configuration names them.

    With DATABASE_ADMIN_URL the default alias is the app user; without it the default alias is the
    admin user itself (the admin stage), whose configuration does not name the app user (None).
    """
    default_user = str(settings.DATABASES[DEFAULT_DB_ALIAS]["USER"])
    if settings.SCHEMA_ADMIN_DATABASE is not None:
        return default_user, str(settings.SCHEMA_ADMIN_DATABASE["USER"])
    return None, default_user


def admin_settings(app_settings: dict[str, Any]) -> dict[str, Any]:
    """``app_settings`` logged in as the admin user, with no read timeout, after checking that
    DATABASE_ADMIN_URL names the app's very database."""
    admin = settings.SCHEMA_ADMIN_DATABASE
    if admin is None:
        raise ImproperlyConfigured(f"set {ADMIN_URL_VARIABLE} to run schema work as the admin user")
    for key in ("ENGINE", "NAME", "HOST", "PORT"):
        if str(admin.get(key)) != str(app_settings.get(key)):
            raise ImproperlyConfigured(
                f"{ADMIN_URL_VARIABLE} must name the same database as DATABASE_URL "
                f"({key}: {admin.get(key)!r} vs {app_settings.get(key)!r}); only the user may differ"
            )
    return {**app_settings, **{key: admin[key] for key in ADMIN_KEYS}}


@contextmanager
def as_schema_admin(alias: str = DEFAULT_DB_ALIAS) -> Iterator[str | None]:
    """Run the block's schema work as the admin user; yields the user swapped in (None: no swap, the
    connection's own user is the admin). Refused in a web stage's function."""
    if not admin_role_configured():
        refuse_in_web_stage("migrate")
        yield None
        return
    connection = connections[alias]
    shared = connection.settings_dict
    admin = admin_settings(shared)
    connection.close()
    # Rebind, never update: Django 5.2 hands every thread's wrapper of an alias the very same dict
    # (ConnectionHandler.create_connection passes self.settings[alias], django/db/utils.py), so an
    # update in place would log every other thread of the process in as admin while this block runs.
    connection.settings_dict = admin
    logger.info("connecting as the schema admin user %s", admin["USER"])
    try:
        yield str(admin["USER"])
    finally:
        connection.close()
        connection.settings_dict = shared
