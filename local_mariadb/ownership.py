"""Who holds a MariaDB base directory: the process answering on its socket, or the one its pid file names.

Linux only, like the rest of this package's users (CI, the Lambda build, `make stack`): the peer of a
unix socket comes from SO_PEERCRED, a process's command line from /proc.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import time
from pathlib import Path

# SO_PEERCRED answers a `struct ucred`: pid, uid, gid as three C ints (socket(7)).
UCRED = struct.Struct("3i")
STOP_TIMEOUT_SECONDS = 60.0
POLL_SECONDS = 0.1


def socket_peer_pid(socket_path: Path) -> int | None:
    """The PID of the process listening on the unix socket, or None when nothing answers there."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(socket_path))
        except (FileNotFoundError, ConnectionRefusedError, TimeoutError):
            return None  # no socket, or a stale one whose server is gone
        pid, _uid, _gid = UCRED.unpack(probe.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, UCRED.size))
    return int(pid)


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (exited, not yet reaped by its parent) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, alive
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2] != "Z"  # the state follows "pid (command) "


def serves_data_dir(pid: int, data_dir: Path) -> bool:
    """True if ``pid`` is a server started with ``--datadir=<data_dir>`` (as MariaDBServer starts them)."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return f"--datadir={data_dir}".encode() in arguments


def pid_file_holder(pid_file: Path, data_dir: Path) -> int | None:
    """The PID in a pid file if that process is alive and serves ``data_dir``; None if the file is stale."""
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    # After a crash or reboot the number may belong to an unrelated process by now.
    return pid if process_alive(pid) and serves_data_dir(pid, data_dir) else None


def stop_process(pid: int, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """SIGTERM (mariadbd shuts down cleanly on it), then SIGKILL if it is still there after ``timeout``."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, timeout)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not process_alive(pid):
                return
            time.sleep(POLL_SECONDS)
    raise RuntimeError(f"process {pid} did not stop after SIGTERM and SIGKILL")
