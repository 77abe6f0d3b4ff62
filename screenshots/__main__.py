"""``python -m screenshots`` (make screenshots): the hits pages photographed for docs/screenshots/.

Starts the site as ``make run`` does (gunicorn via local_server, a throwaway SQLite database),
sends it a handful of realistic webhooks over HTTP, then photographs the list and a detail page
with headless Chromium: desktop light, desktop dark, a search, and a 390-pixel phone.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from local_mariadb.server import free_port
from screenshots.chromium import DESKTOP, PHONE, headless_chromium, set_color_scheme, set_viewport

REPOSITORY = Path(__file__).resolve().parent.parent
MAX_HEIGHT = 2400
OUTPUT = REPOSITORY / "docs" / "screenshots"
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)
GITHUB_SECRET = "screenshots-only-github-secret"  # noqa: S105 - a throwaway secret for the pictures
GITHUB_BODY = json.dumps(
    {
        "action": "opened",
        "number": 1347,
        "pull_request": {"title": "Add dark mode", "user": {"login": "octocat"}, "draft": False},
        "repository": {"full_name": "acme/webhook_site", "private": True},
        "labels": ["ui", "accessibility"],
    }
).encode()
WEBHOOKS: list[tuple[str, bytes, dict[str, str]]] = [
    ("/ping", b"", {"User-Agent": "uptime-check/2.1"}),
    (
        "/uploads/avatar",
        b'--f00\r\nContent-Disposition: form-data; name="user"\r\n\r\nada\r\n--f00\r\n'
        b'Content-Disposition: form-data; name="avatar"; filename="ada.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + PNG_1X1 + b"\r\n--f00--\r\n",
        {"Content-Type": "multipart/form-data; boundary=f00", "User-Agent": "curl/8.5.0"},
    ),
    (
        "/soap/orders",
        b'<?xml version="1.0"?><order id="1042"><item sku="A-7" qty="2"/>'
        b'<total currency="EUR">39.80</total></order>',
        {"Content-Type": "application/xml", "User-Agent": "LegacyERP/4.2"},
    ),
    (
        "/stripe/events?account=acct_42",
        b"type=charge.succeeded&amount=1999&currency=usd",
        {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "Stripe/1.0"},
    ),
    (
        "/github/webhook",
        GITHUB_BODY,
        {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/5a1f2c",
            "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            # Signed as GitHub signs, so the endpoint rule below shows the outcome "valid".
            "X-Hub-Signature-256": "sha256="
            + hmac.new(GITHUB_SECRET.encode(), GITHUB_BODY, hashlib.sha256).hexdigest(),
        },
    ),
]
# An endpoint rule verifying GitHub's signature on /github (docs/endpoints.md), made before the server
# starts; the secret is a throwaway one for these pictures.
CREATE_GITHUB_RULE = f"""
from django.utils import timezone
from endpoints.models import EndpointRule
rule = EndpointRule(name="GitHub", path_prefix="/github", scheme="github")
rule.set_secret({GITHUB_SECRET!r}, timezone.now())
rule.save()
"""


def wait_until_serving(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(base + "/_/health", timeout=2):  # noqa: S310 - our local server
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def send(base: str, path: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(base + path, data=body or None, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our local server
        return int(json.loads(response.read())["id"])


def photograph(base: str, detail_id: int, output: Path) -> list[Path]:
    shots = [
        ("list.png", "/_/", DESKTOP, "light"),
        ("detail.png", f"/_/hits/{detail_id}", DESKTOP, "light"),
        ("dark.png", f"/_/hits/{detail_id}", DESKTOP, "dark"),
        ("filtered.png", "/_/?method=POST&path=/github/&header=X-GitHub-Event", DESKTOP, "light"),
        ("mobile.png", "/_/", PHONE, "light"),
        ("mobile-detail-dark.png", f"/_/hits/{detail_id}?view=pretty", PHONE, "dark"),
    ]
    written = []
    with headless_chromium() as browser:
        for name, page, (width, height), scheme in shots:
            set_viewport(browser, width, height)
            set_color_scheme(browser, scheme)
            browser.get(base + page)
            # The whole page, up to a limit: a detail page's body and commands sit below the fold.
            full_height = browser.execute_script("return document.documentElement.scrollHeight")
            set_viewport(browser, width, min(max(height, full_height), MAX_HEIGHT))
            path = output / name
            browser.save_screenshot(str(path))
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m screenshots", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="webhook-site-screenshots-") as scratch:
        environment = os.environ | {
            "DATABASE_URL": f"sqlite:///{scratch}/db.sqlite3",
            "DJANGO_SETTINGS_MODULE": "webhook_site.settings",
        }
        python = sys.executable
        for command in (
            ["migrate", "--noinput"],
            ["collectstatic", "--noinput"],
            ["shell", "--command", CREATE_GITHUB_RULE],
        ):
            subprocess.run(  # noqa: S603 - this interpreter running manage.py
                [python, "manage.py", *command, "-v", "0"], cwd=REPOSITORY, env=environment, check=True
            )
        port = free_port()
        server = subprocess.Popen(  # noqa: S603 - this interpreter running our local server
            [python, "-m", "local_server", "--port", str(port), "--workers", "1"],
            cwd=REPOSITORY,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_serving(base)
            ids = [send(base, path, body, headers) for path, body, headers in WEBHOOKS]
            written = photograph(base, ids[-1], args.output)
        finally:
            server.terminate()
            server.wait(timeout=10)
    for path in written:
        print(path.relative_to(REPOSITORY) if path.is_relative_to(REPOSITORY) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
