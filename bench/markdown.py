"""The Markdown pieces the report is made of."""

from __future__ import annotations

import os
from pathlib import Path


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def image(title: str, plot: Path, document: Path) -> str:
    return f"![{title}]({os.path.relpath(plot, document.parent)})"
