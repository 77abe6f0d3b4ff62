"""A root file system for the clean room: bootstrapped with debootstrap, entered with chroot.

The root holds what "a machine with Python, make and apt" has and nothing else. Inside it runs as
root in the host's network namespace (pip and apt reach the internet; servers listen on the host's
loopback), with /proc, /sys and /dev from the host.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from clean_room.commands import CleanRoomError, run
from clean_room.distributions import Distribution

BASE_PACKAGES = ("python3", "make", "ca-certificates")  # ca-certificates: apt and pip over HTTPS
CHROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# invoke-rc.d asks this script before a package's maintainer script starts a service; 101 means
# "not allowed". Without it, installing mariadb-server would start a server on 3306, which the
# chroot shares with the host's own MariaDB.
POLICY_RC_D = "#!/bin/sh\n# make clean-room: package scripts start no services in this chroot\nexit 101\n"
# An installer always writes these; debootstrap does not, and tests resolve "localhost".
HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
STOP_GRACE_SECONDS = 10
# Certificate authorities an administrator added to this host (update-ca-certificates' local
# directory). Where the network inspects TLS, as this one does, HTTPS works only with them, so the
# root gets the same ones, and pip (which otherwise trusts only its bundled certifi) is pointed at the
# system bundle as on this host. On an open network the directory is empty and nothing is added.
LOCAL_CERTIFICATES = Path("/usr/local/share/ca-certificates")
PIP_CONF = (
    "[global]\n"
    "# make clean-room: the CAs this host's network needs (clean_room/root_fs.py)\n"
    "cert = /etc/ssl/certs/ca-certificates.crt\n"
)


def bootstrap(distribution: Distribution, keyring: Path, target: Path) -> None:
    """A minimal system of ``distribution`` with BASE_PACKAGES, configured like a fresh install."""
    remove_tree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    run(
        [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(BASE_PACKAGES)}",
            f"--keyring={keyring}",
            distribution.suite,
            str(target),
            distribution.mirror,
            str(distribution.debootstrap_script()),
        ]
    )
    (target / "etc" / "apt" / "sources.list").write_text("\n".join(distribution.sources) + "\n")
    policy = target / "usr" / "sbin" / "policy-rc.d"
    policy.write_text(POLICY_RC_D)
    policy.chmod(0o755)
    hosts = target / "etc" / "hosts"
    if not hosts.exists():
        hosts.write_text(HOSTS)
    trust_local_certificates(target)


def trust_local_certificates(target: Path) -> None:
    """The host's locally added CAs into ``target``'s trust store, and pip told to use that store."""
    added = sorted(LOCAL_CERTIFICATES.glob("*.crt"))
    if not added:
        return
    for certificate in added:
        shutil.copyfile(certificate, target / LOCAL_CERTIFICATES.relative_to("/") / certificate.name)
    run(["chroot", str(target), "update-ca-certificates"])
    (target / "etc" / "pip.conf").write_text(PIP_CONF)


def remove_root(root: Path) -> None:
    """Remove an earlier run's root, first undoing the mounts and processes a killed run may have left."""
    leave(root.resolve())
    remove_tree(root)


def fresh_copy(base: Path, root: Path) -> None:
    """``root`` becomes an exact copy of the pristine ``base`` (so a base can serve several runs)."""
    remove_tree(root)
    run(["cp", "-a", str(base), str(root)])


def remove_tree(path: Path) -> None:
    """rm -rf, refusing while anything is mounted inside (a bound /dev would be emptied)."""
    if mounts_under(path):
        raise CleanRoomError(f"still mounted under {path}: {', '.join(mounts_under(path))}; unmount first")
    if path.exists():
        run(["rm", "-rf", "--one-file-system", str(path)])


def mounts_under(path: Path) -> list[str]:
    prefix = str(path.resolve()) + "/"
    with open("/proc/self/mountinfo") as mountinfo:
        # Field 5 is the mount point, with spaces and the like written as octal escapes.
        points = [line.split()[4].encode().decode("unicode_escape") for line in mountinfo]
    return [point for point in points if point.startswith(prefix)]


@contextmanager
def entered(root: Path) -> Iterator[None]:
    """/proc, /sys and /dev (with /dev/pts and /dev/shm) mounted in ``root``; all undone afterwards."""
    root = root.resolve()
    (root / "etc" / "resolv.conf").unlink(missing_ok=True)  # may be a symlink into /run
    (root / "etc" / "resolv.conf").write_bytes(Path("/etc/resolv.conf").read_bytes())
    try:
        run(["mount", "-t", "proc", "proc", str(root / "proc")])
        run(["mount", "-t", "sysfs", "sysfs", str(root / "sys")])
        run(["mount", "--rbind", "/dev", str(root / "dev")])
        run(["mount", "--make-rslave", str(root / "dev")])  # unmounting it must not unmount the host's
        yield
    finally:
        leave(root)


def leave(root: Path) -> None:
    """Stop what still runs in ``root`` and unmount everything mounted inside it."""
    stop_processes_in(root)
    for point in sorted(mounts_under(root), key=len, reverse=True):
        subprocess.run(["umount", "-R", point], check=False, capture_output=True)
    if mounts_under(root):
        raise CleanRoomError(f"could not unmount {', '.join(mounts_under(root))}")


def processes_in(root: Path) -> list[int]:
    """Processes whose root directory is ``root``: only ones this clean room started."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "root") == str(root):
                    found.append(int(entry.name))
            except OSError:  # exited meanwhile
                continue
    return found


def stop_processes_in(root: Path) -> None:
    """SIGTERM whatever still runs in ``root`` (e.g. a server a failed step left), then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in processes_in(root):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                continue
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while processes_in(root) and time.monotonic() < deadline:
            time.sleep(0.2)


def chroot_command(root: Path, shell_command: str, user: str | None = None) -> list[str]:
    """``shell_command`` run by /bin/sh inside ``root``, as root or as ``user`` (user:group)."""
    userspec = [f"--userspec={user}"] if user else []
    return ["chroot", *userspec, str(root), "/bin/sh", "-c", shell_command]


def chroot_environment(home: str = "/root") -> dict[str, str]:
    """A login's environment, nothing inherited from this host (its pip mirror settings above all)."""
    return {"PATH": CHROOT_PATH, "HOME": home, "LANG": "C.UTF-8", "TERM": "dumb"}
