"""The archive keyring debootstrap verifies a distribution with.

Debian 12 hosts lack Ubuntu's keyring (Debian ships the ubuntu-keyring package only from trixie and
bookworm-backports on), so it is fetched from Debian's own archive, which apt verifies with the
host's Debian keyring, into the clean room's work directory: nothing is installed on the host.
"""

from __future__ import annotations

import platform
import shutil
import tempfile
from pathlib import Path

from clean_room.commands import CleanRoomError, run
from clean_room.distributions import DEBIAN_MIRROR, Distribution

DEBIAN_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
UBUNTU_KEYRING_PACKAGE = "ubuntu-keyring"


def archive_keyring(distribution: Distribution, workdir: Path) -> Path:
    """The host's copy of the distribution's keyring, else one fetched into ``workdir``."""
    if distribution.keyring.is_file():
        return distribution.keyring
    fetched = workdir / "keyrings" / distribution.keyring.name
    if fetched.is_file():
        return fetched
    if distribution.keyring.name != "ubuntu-archive-keyring.gpg" or not DEBIAN_KEYRING.is_file():
        raise CleanRoomError(f"{distribution.keyring} is missing: install the package that provides it")
    fetched.parent.mkdir(parents=True, exist_ok=True)
    fetch_ubuntu_keyring(fetched)
    return fetched


def fetch_ubuntu_keyring(target: Path) -> None:
    """Download ubuntu-keyring from the host's Debian suite or its backports with a private apt state."""
    suite = platform.freedesktop_os_release().get("VERSION_CODENAME", "")
    if not suite:
        raise CleanRoomError("cannot tell this host's Debian suite: install ubuntu-keyring yourself")
    with tempfile.TemporaryDirectory(prefix="apt-", dir=target.parent) as scratch_name:
        scratch = Path(scratch_name)
        (scratch / "lists" / "partial").mkdir(parents=True)
        (scratch / "cache").mkdir()
        sources = scratch / "sources.list"
        sources.write_text(
            "".join(
                f"deb [signed-by={DEBIAN_KEYRING}] {DEBIAN_MIRROR} {pocket} main\n"
                for pocket in (suite, f"{suite}-backports")
            )
        )
        private_state = [
            *("-o", f"Dir::Etc::SourceList={sources}", "-o", "Dir::Etc::SourceParts=/dev/null"),
            *("-o", f"Dir::State::Lists={scratch / 'lists'}", "-o", f"Dir::Cache={scratch / 'cache'}"),
            *("-o", "APT::Sandbox::User=root"),  # the scratch directory is private to root
        ]
        run(["apt-get", *private_state, "update", "-qq"])
        run(["apt-get", *private_state, "download", "-qq", UBUNTU_KEYRING_PACKAGE], cwd=scratch)
        (package,) = scratch.glob(f"{UBUNTU_KEYRING_PACKAGE}_*.deb")
        run(["dpkg-deb", "-x", str(package), str(scratch / "files")])
        shutil.copyfile(scratch / "files" / "usr" / "share" / "keyrings" / target.name, target)
