"""Lambda SnapStart: what goes warm into the snapshot, and what must not survive a restore.

With SnapStart (zappa_settings.json, production) Lambda initialises the function once per published
version, snapshots the initialised environment and restores copies of it for later cold starts
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html). The Python runtime runs
@register_before_snapshot hooks after init, in reverse order of registration, and
@register_after_restore hooks on every restore, in order, within a 10 s limit
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html). Outside SnapStart
nothing calls them, so registering them everywhere is harmless.

Before the snapshot we do the work every first request would otherwise repeat after each restore:
import the URLconf (views, admin, models) and the views it imports on first use (hits/lazy_views.py:
kept off a cold start without SnapStart, they cost nothing in a snapshot), compile our page
templates, load the database backend and its clear-password plugin. None of it opens a connection or
makes anything that expires.

After a restore, one snapshot becomes many execution environments, so nothing that expires or
identifies a process may carry over (https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html):
no database connection (the proxy may have closed it, and two environments must never share one),
no cached AWS credentials (a SnapStart function's credentials come from the container credentials
endpoint and must be resolved in the restored environment), and a fresh seed for `random`, which
Python seeded once at start-up and which would otherwise repeat in every restored copy. Tokens are
minted per connection and never at init, so none exists to drop.
"""

from __future__ import annotations

import random
from pathlib import Path

from django.apps import apps
from django.db import connections
from django.template.loader import get_template
from django.urls import get_resolver
from snapshot_restore_py import register_after_restore, register_before_snapshot

from hits.lazy_views import import_lazy_views
from webhook_site.database_config import IAM_DATABASE_ENGINE

# Our own apps, whose page templates are compiled into the snapshot (Django's cached template loader
# and Jinja2's environment keep them); Django's admin templates are left to the first admin page view.
WARMED_TEMPLATE_APPS = ("hits",)
# The app template directories of the two engines in settings.TEMPLATES (APP_DIRS).
APP_TEMPLATE_DIRS = ("templates", "jinja2")


def page_templates() -> list[str]:
    """Template names of our own apps, e.g. "hits/hit_list.html"."""
    names = []
    for label in WARMED_TEMPLATE_APPS:
        for directory in APP_TEMPLATE_DIRS:
            template_dir = Path(apps.get_app_config(label).path) / directory
            names += sorted(str(path.relative_to(template_dir)) for path in template_dir.rglob("*.html"))
    return names


def warm_for_snapshot() -> None:
    """Everything a first request would set up that is the same in every environment."""
    get_resolver()._populate()  # imports the URLconf (views, admin site, models); reverse()'s tables
    import_lazy_views()
    for name in page_templates():
        get_template(name)
    if any(connection.settings_dict["ENGINE"] == IAM_DATABASE_ENGINE for connection in connections.all()):
        # connections.all() has loaded each backend (and the driver); this loads the auth plugin into
        # the client library, process-wide, without making a connection.
        from webhook_site.db.clear_password_plugin import ensure_clear_password_plugin

        ensure_clear_password_plugin()
    # Defensive: whatever ran during init, no connection may be frozen into the snapshot.
    connections.close_all()


def reset_after_restore() -> None:
    """Drop what must be unique to this environment or fresh after a restore."""
    from site_platform.aws import forget_aws_credentials

    connections.close_all()
    forget_aws_credentials()
    random.seed()  # from os.urandom, which differs per environment


def register_hooks() -> None:
    register_before_snapshot(warm_for_snapshot)
    register_after_restore(reset_after_restore)
