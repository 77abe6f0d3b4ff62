"""What the figures were measured on: CPU, cores, memory, and the versions on the measured path."""

from __future__ import annotations

import os
import platform
from importlib.metadata import version
from pathlib import Path


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def machine_info(mariadb_version: str) -> dict[str, str]:
    return {
        "CPU": cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": f"{memory_gib():.0f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Django": version("Django"),
        "Zappa": version("zappa"),
        "mysqlclient": version("mysqlclient"),
        "boto3": version("boto3"),
        "MariaDB": mariadb_version,
    }
