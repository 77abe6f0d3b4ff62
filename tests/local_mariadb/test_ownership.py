"""A MariaDBServer owns its base directory: it refuses one another server holds and never mistakes
a leftover server (its owner crashed) for the one it started."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_mariadb import MariaDBServer, ServerAlreadyRunning
from local_mariadb.ownership import process_alive, socket_peer_pid
from local_mariadb.server import free_port

pytestmark = pytest.mark.mariadb_only

CHECKOUT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def initialised_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """System tables installed once (mariadb-install-db takes ~4 s); each test starts from a copy."""
    server = MariaDBServer(base_dir=tmp_path_factory.mktemp("template")).start()
    server.stop()
    return server.data_dir


@pytest.fixture
def base_dir(initialised_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("base")  # short: a unix socket path has at most 107 bytes
    shutil.copytree(initialised_data_dir, base / "data")
    return base


def run_local_mariadb(base_dir: Path, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 -- this interpreter running our own package
        [sys.executable, "-m", "local_mariadb", "--dir", str(base_dir), "--port", str(free_port()), *options],
        cwd=CHECKOUT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def leftover(base_dir: Path) -> Iterator[int]:
    """The PID of a mariadbd whose owner crashed: `python -m local_mariadb` started it, then got SIGKILL."""
    owner = run_local_mariadb(base_dir, "--execute", "CREATE DATABASE made_by_the_crashed_run")
    assert owner.stdout is not None
    ready = owner.stdout.readline()
    found = re.search(r"\(pid (\d+)\)", ready)
    assert found, f"no ready line: {ready!r} {owner.stderr.read() if owner.stderr else ''}"
    pid = int(found[1])
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    assert process_alive(pid), "mariadbd went down with its owner: nothing left over to test"
    yield pid
    if process_alive(pid):
        os.kill(pid, signal.SIGKILL)


def test_a_leftover_server_is_refused_with_its_pid(base_dir: Path, leftover: int) -> None:
    server = MariaDBServer(base_dir=base_dir)
    with pytest.raises(
        ServerAlreadyRunning, match=rf"pid {leftover} .*stop it \(kill {leftover}\)"
    ) as refused:
        server.start()
    assert refused.value.pid == leftover
    assert not server.running
    assert process_alive(leftover)
    assert socket_peer_pid(server.socket_path) == leftover  # still serving, untouched


def test_the_command_line_refuses_a_leftover_too(base_dir: Path, leftover: int) -> None:
    command = run_local_mariadb(base_dir)
    _, errors = command.communicate(timeout=60)
    assert command.returncode == 1
    assert f"stop it (kill {leftover})" in errors
    assert "--reclaim-leftover" in errors
    assert "Traceback" not in errors


def test_reclaim_stops_the_leftover_and_starts_its_own(base_dir: Path, leftover: int) -> None:
    server = MariaDBServer(base_dir=base_dir)
    try:
        server.start(reclaim_leftover=True)
        assert server.reclaimed_pid == leftover
        assert not process_alive(leftover)
        assert server.pid not in (None, leftover)
        assert socket_peer_pid(server.socket_path) == server.pid
        # Stopped with SIGTERM, so cleanly: what the crashed run wrote is still there.
        assert server.query("SHOW DATABASES LIKE 'made_by_the_crashed_run'") == [("made_by_the_crashed_run",)]
    finally:
        server.stop()


# Listens on a unix socket like a server would, but is no mariadbd.
LISTENER = """
import socket, sys, time
listener = socket.socket(socket.AF_UNIX)
listener.bind(sys.argv[1])
listener.listen()
print("listening", flush=True)
time.sleep(120)
"""


def test_reclaim_leaves_a_process_that_is_not_a_server_of_this_directory_alone(base_dir: Path) -> None:
    impostor = subprocess.Popen(  # noqa: S603 -- this interpreter running the script above
        [sys.executable, "-c", LISTENER, str(base_dir / "mariadb.sock")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert impostor.stdout is not None
        assert impostor.stdout.readline() == "listening\n"
        with pytest.raises(ServerAlreadyRunning, match=rf"pid {impostor.pid} \(it answers on mariadb.sock\)"):
            MariaDBServer(base_dir=base_dir).start(reclaim_leftover=True)
        assert impostor.poll() is None
    finally:
        impostor.kill()
        impostor.wait()


class ServerThatMissedTheLeftover(MariaDBServer):
    """As if the leftover appeared after the check at start-up: only the readiness check is left."""

    def find_other_holder(self) -> None:
        return None


def test_readiness_check_refuses_a_foreign_server_on_its_socket(base_dir: Path, leftover: int) -> None:
    server = ServerThatMissedTheLeftover(base_dir=base_dir)
    with pytest.raises(ServerAlreadyRunning, match=rf"pid {leftover} \(it answers on mariadb.sock, not the"):
        server.start()
    assert not server.running
    assert process_alive(leftover)


def test_a_stale_pid_file_naming_an_unrelated_process_does_not_block(base_dir: Path) -> None:
    (base_dir / "mariadbd.pid").write_text(f"{os.getpid()}\n")  # alive, but not a mariadbd
    server = MariaDBServer(base_dir=base_dir)
    try:
        server.start()
        assert socket_peer_pid(server.socket_path) == server.pid
    finally:
        server.stop()


def test_socket_peer_pid_names_the_server_process(mariadb_server: MariaDBServer, tmp_path: Path) -> None:
    assert socket_peer_pid(mariadb_server.socket_path) == mariadb_server.pid
    assert socket_peer_pid(tmp_path / "nothing-here.sock") is None
