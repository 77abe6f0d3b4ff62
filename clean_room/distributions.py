"""The distributions a clean room can be made of, and how a fresh install of each configures apt."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEBOOTSTRAP_SCRIPTS = Path("/usr/share/debootstrap/scripts")


@dataclass(frozen=True)
class Distribution:
    suite: str
    title: str
    mirror: str
    keyring: Path  # the archive keyring debootstrap verifies the Release file with
    # /etc/apt/sources.list as the distribution's installer leaves it: debootstrap configures only
    # main, and on Ubuntu mariadb-server is in universe.
    sources: tuple[str, ...]
    # Whether the distribution packages Python 3.12, the Lambda runtime's version; without it the
    # tests of the Lambda zip skip (saying what to install) rather than run.
    has_python_3_12: bool
    # Whether apt has a real chromium + chromium-driver (Debian); Ubuntu has them only as a snap, which
    # a chroot cannot run, so there the browser tests skip (saying so) rather than run.
    packages_chromium: bool
    # debootstrap script for a suite newer than the host's debootstrap (same bootstrap procedure).
    fallback_script: str

    def debootstrap_script(self) -> Path:
        own = DEBOOTSTRAP_SCRIPTS / self.suite
        return own if own.exists() else DEBOOTSTRAP_SCRIPTS / self.fallback_script


UBUNTU_MIRROR = "http://archive.ubuntu.com/ubuntu"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
UBUNTU_COMPONENTS = "main restricted universe multiverse"

DISTRIBUTIONS = {
    "noble": Distribution(
        suite="noble",
        title="Ubuntu 24.04 LTS (noble), Python 3.12",
        mirror=UBUNTU_MIRROR,
        keyring=Path("/usr/share/keyrings/ubuntu-archive-keyring.gpg"),
        sources=tuple(
            f"deb {UBUNTU_MIRROR} {pocket} {UBUNTU_COMPONENTS}"
            for pocket in ("noble", "noble-updates", "noble-security")
        ),
        has_python_3_12=True,
        packages_chromium=False,
        fallback_script="gutsy",  # every Ubuntu suite since 7.10 bootstraps the same way
    ),
    "bookworm": Distribution(
        suite="bookworm",
        title="Debian 12 (bookworm), Python 3.11",
        mirror=DEBIAN_MIRROR,
        keyring=Path("/usr/share/keyrings/debian-archive-keyring.gpg"),
        sources=(
            f"deb {DEBIAN_MIRROR} bookworm main",
            f"deb {DEBIAN_MIRROR} bookworm-updates main",
            "deb http://deb.debian.org/debian-security bookworm-security main",
        ),
        has_python_3_12=False,
        packages_chromium=True,
        fallback_script="sid",
    ),
}
