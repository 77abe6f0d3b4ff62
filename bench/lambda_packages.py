"""The zips B5 starts: the site's production zip and the bare Django reference, built alike.

Both come out of the project's own build (lambda_artifact.build): the same packaging venv, `zappa
package`, and the bytecode step; the bare app is bench/bare_app, a Zappa project of its own.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from bench.events import BARE_STAGE, STAGE
from bench.paths import REPOSITORY
from lambda_artifact.build import (
    DEFAULT_VENV,
    build_package,
    ensure_packaging_venv,
    find_runtime_python,
    package_project,
)

BARE_PROJECT = REPOSITORY / "bench" / "bare_app"


@contextmanager
def temporary_files_in(directory: Path) -> Iterator[None]:
    """TMPDIR for the build's subprocesses: `zappa package` copies the whole venv there."""
    directory.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(directory)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = previous


def build_site_package(directory: Path) -> Path:
    """What `make lambda-package STAGE=production` builds (no RDS CA bundle: not on the web path)."""
    output = directory / f"webhook-site-{STAGE}.zip"
    return build_package(STAGE, output, find_runtime_python(), staging=directory / "site-src")


def build_bare_package(directory: Path) -> Path:
    """bench/bare_app through the same steps and packaging venv as the site (which must exist)."""
    project = directory / "bare-src"
    shutil.copytree(BARE_PROJECT, project, ignore=shutil.ignore_patterns("__pycache__"))
    return package_project(BARE_STAGE, project, directory / "bare-django.zip", DEFAULT_VENV)


def build_both(directory: Path) -> tuple[Path, Path]:
    """The site's zip and the bare app's, built side by side (each step is mostly one process)."""
    ensure_packaging_venv(DEFAULT_VENV, find_runtime_python())
    with temporary_files_in(directory / "tmp"), ThreadPoolExecutor(max_workers=2) as pool:
        site, bare = pool.submit(build_site_package, directory), pool.submit(build_bare_package, directory)
        return site.result(), bare.result()
