"""Unpack a Lambda zip the way Lambda lays it out in /var/task: same tree, each file dated as in the zip.

Python's ZipFile.extractall() dates every file "now", which would make the zip's timestamp-based
.pyc files look fresh; Lambda keeps the zip's dates (Zappa writes 1980-01-01), which makes them stale.
Tests and benchmarks that claim something about a cold start on Lambda unpack with this instead.
"""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path


def unpack_as_lambda(package: Path, task_root: Path) -> Path:
    """Extract ``package`` into ``task_root`` keeping each entry's date; returns ``task_root``."""
    with zipfile.ZipFile(package) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, task_root))
            if not info.is_dir():
                stamp = time.mktime((*info.date_time, 0, 0, -1))
                os.utime(path, (stamp, stamp))
    return task_root
