"""Tests whose prerequisite this machine lacks: skipped with what to install, but failed in CI.

A skip in CI would pass a run that proved nothing (.ci/run sets CI=true), so CI fails instead.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def missing_prerequisite(message: str) -> NoReturn:
    """Skip the test with ``message`` (which says what to install); fail it under CI=true."""
    if in_ci():
        pytest.fail(f"{message} (CI=true: a missing prerequisite fails instead of skipping)")
    pytest.skip(message)
