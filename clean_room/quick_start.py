"""The README's quick start, run inside the root exactly as written, and checked from the host."""

from __future__ import annotations

import base64
import json
import re
import socket
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clean_room.commands import CleanRoomError
from clean_room.make_steps import MAKE_RUN_STEPS, MAKE_TEST_STEPS, step_durations
from clean_room.root_fs import chroot_command, chroot_environment
from clean_room.streamed_process import StreamedProcess
from hits.startup_message import UP_PREFIX

README = Path(__file__).resolve().parent.parent / "README.md"
PROJECT_DIR = "/opt/webhook_site"  # where the clone sits inside the root (readable by any user)
EXPECTED_COMMANDS = ["make run", "make test"]
MAKE_RUN_PORT = 8000  # the Makefile's run target
UNPRIVILEGED_USER = "nobody:nogroup"
# Generous: a first `make run` installs packages and the site pins; `make test` builds mysqlclient,
# two more venvs and the Lambda zip, then runs the suite twice on two shared cores.
MAKE_RUN_TIMEOUT_SECONDS = 20 * 60
MAKE_TEST_TIMEOUT_SECONDS = 90 * 60
STOP_GRACE_SECONDS = 30
CAPTURE_BODY = b'{"a":1}'


def quick_start_commands(readme: str) -> list[str]:
    """The commands of the first sh block under "## Quick start", comments removed."""
    section = re.search(r"^## Quick start\n(.*?)(?=^## |\Z)", readme, re.MULTILINE | re.DOTALL)
    if section is None:
        raise CleanRoomError("README.md has no '## Quick start' section")
    block = re.search(r"```sh\n(.*?)```", section[1], re.DOTALL)
    if block is None:
        raise CleanRoomError("README.md's quick start has no ```sh block")
    lines = (line.split("#", 1)[0].strip() for line in block[1].splitlines())
    return [line for line in lines if line]


def readme_commands() -> list[str]:
    commands = quick_start_commands(README.read_text())
    if commands != EXPECTED_COMMANDS:
        raise CleanRoomError(
            f"README.md's quick start is now {commands}; clean_room checks {EXPECTED_COMMANDS}: update it"
        )
    return commands


def in_project(command: str) -> str:
    return f"cd {PROJECT_DIR} && exec {command}"


def start_in_project(root: Path, command: str, log_dir: Path) -> StreamedProcess:
    """``command`` as root in the clone, logged to <log_dir>/<command with dashes>.log."""
    log = log_dir / f"{command.replace(' ', '-')}.log"
    return StreamedProcess(chroot_command(root, in_project(command)), chroot_environment(), log, command)


def check_refused_without_root(root: Path, log_dir: Path) -> str:
    """`make run` as a user without root stops before pip with the apt-get command; return that line."""
    completed = subprocess.run(
        chroot_command(root, in_project("make run"), user=UNPRIVILEGED_USER),
        env=chroot_environment(home="/nonexistent"),  # nobody's home on Debian and Ubuntu
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = completed.stdout + completed.stderr
    (log_dir / "make-run-unprivileged.log").write_text(output)
    advice = [line.strip() for line in output.splitlines() if line.strip().startswith("sudo apt-get")]
    if completed.returncode == 0 or not advice:
        raise CleanRoomError(f"make run without root did not stop with an apt-get command:\n{output}")
    if (root / PROJECT_DIR.lstrip("/") / ".venv").exists():
        raise CleanRoomError("make run without root created .venv before saying what to install")
    return advice[0]


@dataclass
class RunCheck:
    up_line: str
    hit_id: int
    steps: list[tuple[str, float]]


def serve_and_check(root: Path, log_dir: Path) -> RunCheck:
    """`make run` in the background until its up line, then a capture and the hits page from the host."""
    ensure_port_free(MAKE_RUN_PORT)
    server = start_in_project(root, "make run", log_dir)
    try:
        up = server.wait_for_line(UP_PREFIX, MAKE_RUN_TIMEOUT_SECONDS)
        if up is None:
            raise CleanRoomError(
                f"make run never printed {UP_PREFIX!r}; its last lines:\n{server.output[-3000:]}"
            )
        up_seconds, up_line = up
        hits_page = up_line.removeprefix(UP_PREFIX).split()[0]
        steps = step_durations(server.timed_lines, MAKE_RUN_STEPS, end=up_seconds)
        return RunCheck(up_line, check_capture_and_hits_page(hits_page), steps)
    finally:
        server.interrupt(STOP_GRACE_SECONDS)


def ensure_port_free(port: int) -> None:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise CleanRoomError(
                f"port {port} is taken on this host, which the chroot shares: free it first ({error})"
            ) from error


def check_capture_and_hits_page(hits_page: str) -> int:
    """The README's example: a POST is captured, the API returns it byte-exact, the hits page lists it."""
    base = hits_page.split("/_/")[0]
    capture = urllib.request.Request(  # noqa: S310 - the local server's http URL
        f"{base}/any/path?x=1", data=CAPTURE_BODY, headers={"Content-Type": "application/json"}
    )
    answer = read_json(capture)
    hit = read_json(urllib.request.Request(f"{base}/_/api/hits/{answer['id']}"))  # noqa: S310
    expected = {"method": "POST", "path": "/any/path", "query_string": "x=1"}
    if {key: hit.get(key) for key in expected} != expected or base64.b64decode(
        hit["body_base64"]
    ) != CAPTURE_BODY:
        raise CleanRoomError(f"the captured hit came back as {hit}")
    page = urllib.request.Request(hits_page, headers={"Accept": "text/html"})  # noqa: S310
    with urllib.request.urlopen(page, timeout=30) as response:  # noqa: S310
        html = response.read().decode()
    if "/any/path" not in html:
        raise CleanRoomError(f"the hits page at {hits_page} does not list /any/path")
    return int(answer["id"])


def read_json(request: urllib.request.Request) -> dict[str, Any]:
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local server
        if response.status != 200:
            raise CleanRoomError(f"{request.full_url} answered {response.status}")
        return dict(json.load(response))


@dataclass
class MakeTestRun:
    returncode: int
    output: str
    steps: list[tuple[str, float]]


def run_make_test(root: Path, log_dir: Path) -> MakeTestRun:
    """`make test` in the foreground."""
    tests = start_in_project(root, "make test", log_dir)
    returncode = tests.wait(MAKE_TEST_TIMEOUT_SECONDS)
    steps = step_durations(tests.timed_lines, MAKE_TEST_STEPS, end=tests.ended or 0.0)
    return MakeTestRun(returncode, tests.output, steps)
