"""Headless Chromium through chromedriver (Debian's chromium and chromium-driver), driven by selenium.

One place that knows how to start it, shared by the browser tests and ``make screenshots``: no
download (selenium's own driver manager is never asked), the viewport set exactly through the
DevTools protocol (a phone is 390 CSS pixels wide), the colour scheme emulated the same way.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM_COMMAND = "chromium"
DRIVER_COMMAND = "chromedriver"
DESKTOP = (1280, 900)
PHONE = (390, 844)


class ChromiumMissing(RuntimeError):
    """chromium or chromedriver is not installed; the message says what to install."""


def find_commands() -> tuple[str, str]:
    chromium, driver = shutil.which(CHROMIUM_COMMAND), shutil.which(DRIVER_COMMAND)
    if chromium is None or driver is None:
        raise ChromiumMissing(
            "the browser tests need Debian's chromium and chromium-driver: "
            "sudo apt-get install -y chromium chromium-driver (or make venv as root); "
            "Ubuntu has Chromium only as a snap, which these tests cannot drive"
        )
    return chromium, driver


@contextmanager
def headless_chromium() -> Iterator[webdriver.Chrome]:
    """A headless Chromium session, closed when the block ends; raises ChromiumMissing."""
    chromium, driver_path = find_commands()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI containers run as root, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",  # containers often have a 64 MB /dev/shm
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=driver_path, env={**os.environ, "SE_OFFLINE": "true"})
    browser = webdriver.Chrome(options=options, service=service)
    try:
        yield browser
    finally:
        browser.quit()


def set_viewport(browser: webdriver.Chrome, width: int, height: int, scale: float = 1) -> None:
    """Lay pages out at exactly ``width`` CSS pixels; phone widths also get mobile viewport rules."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": width < 700},
    )


def set_color_scheme(browser: webdriver.Chrome, scheme: str) -> None:
    """Emulate the system preference ("light" or "dark") that prefers-color-scheme reports."""
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
    )
