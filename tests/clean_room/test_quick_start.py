"""The clean room runs the README's quick start as written, and only that."""

from __future__ import annotations

import pytest

from clean_room.commands import CleanRoomError
from clean_room.quick_start import EXPECTED_COMMANDS, README, quick_start_commands


def test_the_readme_quick_start_is_what_the_clean_room_runs() -> None:
    assert quick_start_commands(README.read_text()) == EXPECTED_COMMANDS


def test_comments_and_blank_lines_are_not_commands() -> None:
    readme = "# x\n\n## Quick start\n\nText.\n\n```sh\nmake run   # serve\n\nmake test\n```\n\n## Next\n"
    assert quick_start_commands(readme) == ["make run", "make test"]


def test_a_quick_start_without_a_shell_block_is_an_error() -> None:
    with pytest.raises(CleanRoomError, match="no ```sh block"):
        quick_start_commands("## Quick start\n\nJust read the code.\n")
