"""A capture's cold path imports nothing that only the pages, the API or an encrypted secret need.

A Lambda cold start pays for every module its init and first capture import (bench B5 compares that
against a bare Django app). These modules belong to other requests: routing and storing a capture
must leave them unimported (hits/lazy_views.py, the lazy PyNaCl import in endpoints/secret_box.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern
from django.utils.module_loading import import_string

REPO = Path(__file__).resolve().parents[2]
# Module names (and their submodules) that a capture without an endpoint rule has no use for.
PAGE_ONLY_MODULES = (
    "jinja2",
    "defusedxml",
    "xml.dom",
    "xml.sax",
    "xml.etree",
    "nacl",
    "hits.pages",
    "hits.api",
    "hits.exports",
    "hits.filters",
    "hits.forwarding",
    "hits.replay_commands",
    "hits.body_display",
    "hits.multipart_parts",
    "hits.xml_pretty",
    "hits.json_tree",
    "hits.jinja2_environment",
    "hits.row_html",
)


def run(command: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(  # noqa: S603 - this venv's Python on this checkout's own code
        command, cwd=REPO, env=environment, capture_output=True, text=True, check=False, timeout=120
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed


@pytest.fixture(scope="module")
def cold_capture(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A fresh process's modules after one capture, on its own migrated SQLite file."""
    database = tmp_path_factory.mktemp("cold-path") / "db.sqlite3"
    environment = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO_")}
    environment |= {
        "DJANGO_SETTINGS_MODULE": "webhook_site.settings",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    environment.pop("DATABASE_ADMIN_URL", None)
    run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], environment)
    probe = run([sys.executable, "-m", "tests.hits.cold_path_probe"], environment)
    result: dict[str, Any] = json.loads(probe.stdout.splitlines()[-1])
    return result


def test_the_probe_stored_its_capture(cold_capture: dict[str, Any]) -> None:
    assert cold_capture["status"] == "200 OK"
    assert set(json.loads(cold_capture["body"])) == {"id"}


@pytest.mark.parametrize("package", PAGE_ONLY_MODULES)
def test_a_capture_does_not_import(cold_capture: dict[str, Any], package: str) -> None:
    loaded = [name for name in cold_capture["modules"] if name == package or name.startswith(package + ".")]
    assert loaded == []


def project_patterns() -> list[URLPattern]:
    """The views this project routes itself (the admin's come from Django)."""
    from hits import urls as hits_urls
    from webhook_site import urls as site_urls

    entries = [*site_urls.urlpatterns, *hits_urls.urlpatterns]
    return [
        entry for entry in entries if isinstance(entry, URLPattern) and entry.lookup_str.startswith("hits.")
    ]


@pytest.mark.parametrize("pattern", project_patterns(), ids=lambda pattern: pattern.lookup_str)
def test_every_view_is_named_for_its_real_view_and_keeps_its_csrf_setting(pattern: URLPattern) -> None:
    """Middleware reads csrf_exempt before the call, where a lazy wrapper would not pass it on."""
    view = import_string(pattern.lookup_str)
    assert view.__module__ + "." + view.__name__ == pattern.lookup_str
    assert getattr(pattern.callback, "csrf_exempt", False) == getattr(view, "csrf_exempt", False)
