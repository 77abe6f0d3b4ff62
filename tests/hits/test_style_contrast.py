"""WCAG AA contrast of every text colour on every background it appears on, light and dark.

The palettes are read from hits/static/hits/style.css itself, so a colour changed there is checked
here: normal text needs 4.5:1 (WCAG 2.1 success criterion 1.4.3).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STYLE = Path(__file__).resolve().parents[2] / "hits" / "static" / "hits" / "style.css"
AA_NORMAL_TEXT = 4.5
# (text, background) pairs that occur: body text and links on the page, in code blocks and buttons
# (--code-bg), on highlighted rows and notices (--hl); the danger button's text on its background.
PAIRS = [
    (text, background)
    for background in ("--bg", "--code-bg", "--hl")
    for text in ("--fg", "--muted", "--accent")
] + [("--danger", "--bg"), ("--danger", "--code-bg")]


def palettes() -> dict[str, dict[str, str]]:
    css = STYLE.read_text()
    light = re.search(r":root \{(.*?)\}", css, re.S)
    dark = re.search(r':root\[data-theme="dark"\] \{(.*?)\}', css, re.S)
    assert light
    assert dark
    return {
        name: dict(re.findall(r"(--[a-z-]+):\s*(#[0-9a-f]{6})", block.group(1)))
        for name, block in (("light", light), ("dark", dark))
    }


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_system_dark_palette_is_the_toggle_dark_palette() -> None:
    css = STYLE.read_text()
    system = re.search(
        r'@media \(prefers-color-scheme: dark\) \{\s*:root:not\(\[data-theme="light"\]\) \{(.*?)\}', css, re.S
    )
    toggled = re.search(r':root\[data-theme="dark"\] \{(.*?)\}', css, re.S)
    assert system
    assert toggled
    assert system.group(1).split() == toggled.group(1).split()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_meets_wcag_aa(theme: str, text: str, background: str) -> None:
    colours = palettes()[theme]
    ratio = contrast(colours[text], colours[background])
    assert ratio >= AA_NORMAL_TEXT, f"{theme}: {text} on {background} is {ratio:.2f}:1"
