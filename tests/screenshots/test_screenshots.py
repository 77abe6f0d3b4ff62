"""make screenshots works as the README says: a throwaway site photographed into PNG files."""

from __future__ import annotations

from pathlib import Path

import pytest

from screenshots.__main__ import main
from screenshots.chromium import ChromiumMissing, find_commands
from tests.prerequisites import missing_prerequisite

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SHOTS = {"list.png", "detail.png", "dark.png", "filtered.png", "mobile.png", "mobile-detail-dark.png"}


@pytest.fixture
def chromium() -> None:
    try:
        find_commands()
    except ChromiumMissing as missing:
        missing_prerequisite(str(missing))


@pytest.mark.usefixtures("chromium")
def test_every_screenshot_is_written_as_a_png(tmp_path: Path) -> None:
    assert main(["--output", str(tmp_path)]) == 0
    assert {path.name for path in tmp_path.iterdir()} == SHOTS
    for path in tmp_path.iterdir():
        assert path.read_bytes().startswith(PNG_SIGNATURE)
        assert path.stat().st_size > 10_000  # a page, not a blank image
