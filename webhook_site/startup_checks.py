"""The system checks a server runs before it takes its first request.

Django's plain `manage.py check` leaves out the checks tagged ``database``; these include them for the
default alias, so a mysql_iam configuration that cannot log in (no region, no credentials, a password,
a non-verifying ssl_mode, no clear-password plugin) stops the server at start-up instead of failing
its first request. The backend's own checks go first and alone: with --database, Django's model and
MySQL checks connect (to read the server's version and sql_mode), which such a configuration cannot.
local_server and runserver call these; so can anything else that starts the site.
"""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections

from webhook_site.db.mysql_iam.checks import IAM_CHECK_TAG


def check_database_configuration(alias: str = DEFAULT_DB_ALIAS) -> None:
    """`manage.py check --database <alias> --tag mysql_iam`: nothing connects. SystemCheckError on errors."""
    call_command("check", databases=[alias], tags=[IAM_CHECK_TAG], stdout=StringIO())


def check_before_serving(alias: str = DEFAULT_DB_ALIAS) -> None:
    """The configuration first, then `manage.py check --database <alias>`; SystemCheckError on errors.

    Whatever the checks connected is closed again, so a server that forks workers afterwards hands
    none of them a shared connection.
    """
    try:
        check_database_configuration(alias)
        call_command("check", databases=[alias])
    finally:
        connections.close_all()
