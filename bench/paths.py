"""Where the repository is, for the benchmarks that run its modules and package it."""

from __future__ import annotations

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
