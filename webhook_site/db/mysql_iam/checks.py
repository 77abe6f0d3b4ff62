"""System checks for database aliases on the mysql_iam backend, registered by webhook_site's AppConfig.

Tagged ``database`` (Django runs those only for the aliases given with --database) and ``mysql_iam``,
so the Lambda build can run them alone: Django's own MySQL check connects, and the build cannot reach
the stage's database. Nothing here connects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db import connections

from webhook_site.database_config import IAM_DATABASE_ENGINE

IAM_CHECK_TAG = "mysql_iam"


def register_checks() -> None:
    checks.register(check_iam_databases, checks.Tags.database, IAM_CHECK_TAG)


def check_iam_databases(
    app_configs: Sequence[AppConfig] | None = None, databases: Iterable[str] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """One error per problem per alias, for the aliases named with --database."""
    # Loaded here, not at start-up: only a process checking an IAM alias needs the rules.
    from webhook_site.db.mysql_iam.configuration import configuration_problems

    errors: list[checks.CheckMessage] = []
    for alias in databases or ():
        settings_dict = connections[alias].settings_dict
        if settings_dict["ENGINE"] != IAM_DATABASE_ENGINE:
            continue
        errors += [
            checks.Error(problem.message, hint=problem.hint, obj=f"DATABASES[{alias!r}]", id=problem.check_id)
            for problem in configuration_problems(settings_dict)
        ]
    return errors
