"""`make run`'s server ends its start-up output with the hits page URL, once that URL answers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import get_script_prefix, set_script_prefix

from hits.startup_message import UP_PREFIX, site_is_up
from local_mariadb.server import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60


def test_the_line_names_the_hits_page_and_a_capture_example() -> None:
    assert site_is_up("http://127.0.0.1:8000/") == (
        "webhook_site is up: http://127.0.0.1:8000/_/ "
        "(capture anything else, e.g. curl -X POST http://127.0.0.1:8000/hello)"
    )


@pytest.fixture
def site_environment(tmp_path: Path) -> dict[str, str]:
    """A migrated SQLite file of its own; nothing inherited that could point elsewhere."""
    environment = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=REPO_ROOT,
        env=environment,
        check=True,
    )
    return environment


@pytest.fixture
def runserver_output(site_environment: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    """Start runserver on a free port; yield the "is up" line and every line before it."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - this interpreter on the project's manage.py
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=REPO_ROOT,
        env=site_environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        before: list[str] = []
        assert server.stdout is not None
        for line in server.stdout:  # ends when the server exits, so a crash cannot hang the test
            if line.startswith(UP_PREFIX):
                yield line.strip(), before
                return
            before.append(line)
        pytest.fail(f"runserver exited ({server.wait()}) without the start-up line:\n{''.join(before)}")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=START_TIMEOUT_SECONDS)


def test_runserver_prints_the_hits_page_url_after_its_own_banner(runserver_output) -> None:
    line, before = runserver_output
    url = line.removeprefix(UP_PREFIX).split()[0]
    assert any("Starting development server" in earlier for earlier in before)
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own http URL
        assert response.status == 200
        assert b"<table" in response.read()


def test_a_script_prefix_left_on_this_thread_does_not_change_the_line() -> None:
    # As the Lambda handler tests leave one: the server's base URL already is the mount point.
    set_script_prefix("/production/")
    try:
        assert site_is_up("http://127.0.0.1:8000").split()[3] == "http://127.0.0.1:8000/_/"
        assert get_script_prefix() == "/production/"
    finally:
        set_script_prefix("/")
