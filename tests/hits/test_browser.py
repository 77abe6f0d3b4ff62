"""The pages in a real browser: headless Chromium (Debian's chromium + chromium-driver) via selenium.

Captures are made from outside, over real HTTP to pytest-django's live server, as a webhook sender
would. One Chromium session serves the whole module. Without chromium the tests skip, saying what to
install; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver import Chrome as WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from hits.models import Hit
from screenshots.chromium import (
    DESKTOP,
    PHONE,
    ChromiumMissing,
    headless_chromium,
    set_color_scheme,
    set_viewport,
)
from tests.prerequisites import missing_prerequisite
from tests.raw_http_server import raw_http_server

pytestmark = pytest.mark.django_db(transaction=True)  # the live server's thread must see our rows

XSS_PAYLOADS = ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", '"><svg onload=alert(3)>')
# What the live list needs to show a new hit: one poll interval (2 s) plus the request itself.
APPEARS_WITHIN_SECONDS = 3


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    try:
        with headless_chromium() as session:
            yield session
    except ChromiumMissing as missing:
        missing_prerequisite(str(missing))


@pytest.fixture
def site(live_server, browser: WebDriver) -> Iterator[str]:
    """The live server's URL, with the browser in its default state (desktop, light, nothing stored)."""
    set_viewport(browser, *DESKTOP)
    set_color_scheme(browser, "light")
    browser.get(live_server.url + "/_/")
    browser.execute_script("window.localStorage.clear()")
    yield live_server.url
    assert_no_dialog(browser)


def capture(site: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> int:
    """Send a request from outside the browser, as a webhook sender does; the capture's hit id."""
    url = site + path  # the live server's http:// URL
    request = urllib.request.Request(url, data=body or None, headers=headers or {}, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return int(json.loads(response.read())["id"])


def assert_no_dialog(browser: WebDriver) -> None:
    try:
        alert = browser.switch_to.alert
    except NoAlertPresentException:
        return
    text = alert.text
    alert.dismiss()
    pytest.fail(f"a dialog opened: {text!r}")


def assert_no_horizontal_scroll(browser: WebDriver) -> None:
    widths = browser.execute_script(
        "var root = document.documentElement; return [root.scrollWidth, root.clientWidth];"
    )
    assert widths[0] <= widths[1], f"{browser.current_url}: scrollWidth {widths[0]} > clientWidth {widths[1]}"


def policy_violations(browser: WebDriver) -> list[str]:
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if "Content Security Policy" in entry["message"]
    ]


def test_a_capture_from_outside_appears_in_the_open_list(site: str, browser: WebDriver) -> None:
    capture(site, "/before")
    open_live_list(browser, site)
    sent_at = time.monotonic()
    hit_id = capture(site, "/from/outside?live=1", b'{"live": true}', {"Content-Type": "application/json"})
    row = WebDriverWait(browser, APPEARS_WITHIN_SECONDS).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, f'tr[data-id="{hit_id}"]')
    )[0]
    assert time.monotonic() - sent_at < APPEARS_WITHIN_SECONDS
    assert "/from/outside?live=1" in row.text
    assert "new" in (row.get_attribute("class") or "")
    first_row = browser.find_element(By.CSS_SELECTOR, "table.hits tbody tr")
    assert first_row.get_attribute("data-id") == str(hit_id)  # on top, newest first


POLLS_MADE = "return performance.getEntriesByType('resource').filter(e => e.name.includes('/_/rows')).length"
HIDE_TAB = """
Object.defineProperty(document, "hidden", {configurable: true, get: () => arguments[0]});
document.dispatchEvent(new Event("visibilitychange"));
"""


def open_live_list(browser: WebDriver, site: str) -> None:
    browser.get(site + "/_/")
    WebDriverWait(browser, 5).until(lambda b: b.find_element(By.ID, "live-status").is_displayed())


def test_unseen_hits_are_counted_in_the_title_until_focus(site: str, browser: WebDriver) -> None:
    open_live_list(browser, site)
    browser.execute_script("document.hasFocus = () => false;")  # the window beside a terminal
    hit_id = capture(site, "/unseen")
    WebDriverWait(browser, APPEARS_WITHIN_SECONDS).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, f'tr[data-id="{hit_id}"]')
    )
    assert browser.title.startswith("(1) Hits")
    browser.execute_script("delete document.hasFocus; window.dispatchEvent(new Event('focus'));")
    assert browser.title.startswith("Hits")


def test_polling_pauses_while_the_tab_is_hidden(site: str, browser: WebDriver) -> None:
    open_live_list(browser, site)
    browser.execute_script(HIDE_TAB, True)
    polls_when_hidden = browser.execute_script(POLLS_MADE)
    hit_id = capture(site, "/while-hidden")
    time.sleep(APPEARS_WITHIN_SECONDS)  # longer than the poll interval: a running poll would have come
    assert browser.execute_script(POLLS_MADE) == polls_when_hidden
    assert not browser.find_elements(By.CSS_SELECTOR, f'tr[data-id="{hit_id}"]')
    browser.execute_script(HIDE_TAB, False)  # shown again: it polls at once
    WebDriverWait(browser, 1).until(lambda b: b.find_elements(By.CSS_SELECTOR, f'tr[data-id="{hit_id}"]'))


def test_copy_as_curl_from_the_page_replays_byte_exact(site: str, browser: WebDriver, tmp_path: Path) -> None:
    body = 'it\'s "$HOME" `id` \\ ünï ✓\n'.encode() + bytes(range(256))
    headers = {"Content-Type": "application/octet-stream", "X-Quote": "it's `$(id)`", "X-Unicode": "naïve"}
    hit_id = capture(site, "/replay/me?q=[1]&x=%20", body, headers)
    with raw_http_server() as (target, received):
        browser.get(f"{site}/_/hits/{hit_id}?target={target}")
        browser.execute_cdp_cmd(
            "Browser.grantPermissions",
            {"origin": site, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
        )
        browser.find_element(By.CSS_SELECTOR, 'button[data-copy="command-curl"]').click()
        WebDriverWait(browser, 3).until(
            lambda b: "Copied" in b.find_element(By.CSS_SELECTOR, 'button[data-copy="command-curl"]').text
        )
        command = browser.execute_async_script(
            "navigator.clipboard.readText().then(arguments[arguments.length - 1])"
        )
        completed = subprocess.run(  # noqa: S603 - the command the page gave us, run as a user would
            ["/bin/bash", "-c", command], cwd=tmp_path, capture_output=True, timeout=20, check=False
        )
        assert completed.returncode == 0, completed.stderr
        replayed = received.get(timeout=5)
    hit = Hit.objects.get(pk=hit_id)
    assert replayed.method == "POST"
    assert replayed.target == "/replay/me?q=[1]&x=%20"
    assert replayed.body == body == bytes(hit.body)
    sent_headers = dict(replayed.headers)
    assert sent_headers["X-Quote"] == "it's `$(id)`"
    assert sent_headers["X-Unicode"] == "naïve"


def payload_requests(number: int, payload: str) -> list[tuple[str, bytes, dict[str, str]]]:
    """One payload in a path, query, headers and every kind of body the detail page parses."""
    quoted = urllib.parse.quote(payload, safe="")
    multipart = (
        f'--B\r\nContent-Disposition: form-data; name="{payload}"; filename="{payload}"\r\n'
        f"Content-Type: {payload}\r\n\r\n{payload}\r\n--B--\r\n"
    )
    escaped = payload.replace("<", "&lt;")
    return [
        (f"/xss/{quoted}?q={quoted}", payload.encode(), {"X-Evil": payload, "Content-Type": "text/html"}),
        (f"/json/{number}", f'{{"{payload}": ["{payload}"]}}'.encode(), {"Content-Type": "application/json"}),
        (
            f"/xml/{number}",
            f"<a><![CDATA[{payload}]]><b>{escaped}</b></a>".encode(),
            {"Content-Type": "text/xml"},
        ),
        (f"/multipart/{number}", multipart.encode(), {"Content-Type": "multipart/form-data; boundary=B"}),
    ]


def test_xss_payloads_never_run(site: str, browser: WebDriver) -> None:
    browser.get(site + "/_/")
    browser.get_log("browser")  # start the log from here
    ids = [
        capture(site, path, body, headers)
        for number, payload in enumerate(XSS_PAYLOADS)
        for path, body, headers in payload_requests(number, payload)
    ]
    # The open list inserts them live, then every page and view shows them.
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, f'tr[data-id="{ids[-1]}"]'))
    assert_no_dialog(browser)
    for hit_id in ids:
        for view in ("", "?view=raw", "?view=pretty", "?view=hex"):
            browser.get(f"{site}/_/hits/{hit_id}{view}")
            assert_no_dialog(browser)
    browser.get(site + "/_/")
    assert_no_dialog(browser)
    assert policy_violations(browser) == []  # nothing was even attempted: escaping held before CSP


def test_phone_width_has_no_horizontal_scroll_in_light_and_dark(site: str, browser: WebDriver) -> None:
    # Under 255 characters a segment: the live server's media handler stats every path as a file.
    long_path = "/a-very-long-path-segment-without-any-break-" + "x" * 200
    capture(site, long_path + "?query=" + "y" * 300, b"z" * 5000, {"X-" + "Long-Header-Name" * 10: "v" * 500})
    hit_id = capture(
        site, "/json", b'{"' + b"k" * 200 + b'": "' + b"v" * 400 + b'"}', {"Content-Type": "application/json"}
    )
    set_viewport(browser, *PHONE)
    for scheme in ("light", "dark"):
        set_color_scheme(browser, scheme)
        for page in (
            "/_/",
            f"/_/hits/{hit_id}",
            f"/_/hits/{hit_id}?view=hex",
            f"/_/hits/{hit_id - 1}",
            f"/_/hits/{hit_id - 1}?view=hex",
        ):
            browser.get(site + page)
            assert_no_horizontal_scroll(browser)
        background = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert background == ("rgb(17, 22, 28)" if scheme == "dark" else "rgb(255, 255, 255)")


def test_the_theme_toggle_is_remembered(site: str, browser: WebDriver) -> None:
    set_color_scheme(browser, "light")
    browser.get(site + "/_/")
    toggle = browser.find_element(By.ID, "theme-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    browser.get(site + "/_/")
    assert browser.execute_script("return document.documentElement.dataset.theme") == "dark"
    assert browser.find_element(By.ID, "theme-toggle").get_attribute("aria-pressed") == "true"
    assert (
        browser.execute_script("return getComputedStyle(document.body).backgroundColor") == "rgb(17, 22, 28)"
    )


FOCUSED_CONTROL = """
var element = document.activeElement;
return element.id || element.getAttribute("data-copy") || element.textContent.trim();
"""


def test_keyboard_reaches_every_control(site: str, browser: WebDriver) -> None:
    hit_id = capture(site, "/keyboard", b"body")
    browser.get(f"{site}/_/hits/{hit_id}")
    reached = set()
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in range(40):
        body.send_keys(Keys.TAB)
        reached.add(browser.execute_script(FOCUSED_CONTROL))
    assert {"theme-toggle", "Delete this hit", "command-curl", "Download body", "Raw", "Hex"} <= reached
