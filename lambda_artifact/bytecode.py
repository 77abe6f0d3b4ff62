"""Bytecode valid on Lambda for every module in a zip: ``python3.12 -m lambda_artifact.bytecode ZIP``.

Zappa dates every zip entry 1980-01-01 and copies whatever ``__pycache__`` the packaging venv holds,
compiled with the default *timestamp* invalidation. On Lambda a timestamp .pyc is valid only if the
.py's mtime matches the one recorded in it; after unpacking, every .py is dated 1980, so every .pyc
is stale, and /var/task is read-only, so each cold start compiles the whole tree again. Modules
without any .pyc (our own code, which the build stages fresh) are compiled at every cold start too.

This rewrites the zip with one .pyc per .py, compiled with ``unchecked-hash`` invalidation (PEP 552):
the interpreter loads it without looking at the source's mtime or hashing the source. That is safe
because a deployed zip never changes under the function. Stale or foreign-version .pyc files are
dropped. It must run under the function's Python version (the bytecode format is per version),
and it uses only the standard library, so the packaging venv's interpreter can run it as is.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import py_compile
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

# Lambda unpacks the zip here; recording it as the source path makes tracebacks read as on Lambda
# (the interpreter fixes co_filename up to the real path at import anyway).
TASK_ROOT = "/var/task"
PYCACHE = "__pycache__"


@dataclass
class BytecodeReport:
    compiled: int = 0
    dropped_cache_files: list[str] = field(default_factory=list)
    not_python: list[str] = field(default_factory=list)  # .py files this Python cannot compile


def bytecode_name(source_name: str) -> str:
    """'hits/views.py' -> 'hits/__pycache__/views.cpython-312.pyc' (this interpreter's cache tag)."""
    return importlib.util.cache_from_source(source_name).replace(os.sep, "/")


def in_cache_directory(name: str) -> bool:
    # Old .pyc files, and the empty __init__.py that zappa adds to every folder holding no Python
    # source (each __pycache__ included): nothing there is imported as a module.
    return PYCACHE in PurePosixPath(name).parts


def is_source(name: str) -> bool:
    return name.endswith(".py") and not in_cache_directory(name)


def compile_sources(archive: zipfile.ZipFile, work_dir: Path) -> None:
    """Unpack the .py files into ``work_dir`` and compile them there, as if they sat in /var/task."""
    sources = [info for info in archive.infolist() if is_source(info.filename)]
    for info in sources:
        archive.extract(info, work_dir)
    compileall.compile_dir(work_dir, workers=0, **compile_options(work_dir))


def compile_options(root: Path) -> dict[str, Any]:
    """compileall's options: unchecked-hash .pyc, source paths recorded as if ``root`` were /var/task."""
    return {
        "quiet": 2,  # a file this Python cannot compile is reported by the caller, by name
        "force": True,
        "stripdir": str(root),
        "prependdir": TASK_ROOT,
        "invalidation_mode": py_compile.PycInvalidationMode.UNCHECKED_HASH,
    }


def recompile_in_task_root(task_root: Path, source: Path) -> None:
    """Compile a .py changed after the zip was unpacked into ``task_root``, as compile_zip would have.

    For benchmarks that fill in the settings module of an unpacked zip: an unchecked-hash .pyc is
    never checked against its source, so the old one would go on being loaded.
    """
    if not compileall.compile_file(source, **compile_options(task_root)):
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        raise RuntimeError(f"Python {version} cannot compile {source}")


def rewritten_entries(
    archive: zipfile.ZipFile, compiled_dir: Path, report: BytecodeReport
) -> Iterator[tuple[zipfile.ZipInfo, bytes]]:
    """Every entry but old bytecode, each .py followed by its fresh unchecked-hash .pyc."""
    for info in archive.infolist():
        if in_cache_directory(info.filename):
            report.dropped_cache_files.append(info.filename)
            continue
        yield info, archive.read(info)
        if not is_source(info.filename):
            continue
        name = bytecode_name(info.filename)
        pyc = compiled_dir / name
        if not pyc.is_file():
            # Such a file cannot be imported by this Python either (e.g. a template shipped as .py).
            report.not_python.append(info.filename)
            continue
        pyc_info = zipfile.ZipInfo(name, date_time=info.date_time)
        pyc_info.create_system, pyc_info.external_attr = info.create_system, info.external_attr
        report.compiled += 1
        yield pyc_info, pyc.read_bytes()


def compile_zip(path: Path) -> BytecodeReport:
    """Rewrite the zip at ``path`` in place (through a temporary file next to it)."""
    report = BytecodeReport()
    temporary = path.with_name(path.name + ".bytecode-tmp")
    with tempfile.TemporaryDirectory(prefix="lambda-bytecode-") as work_dir, zipfile.ZipFile(path) as source:
        compile_sources(source, Path(work_dir))
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as target:
            for info, data in rewritten_entries(source, Path(work_dir), report):
                target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    temporary.replace(path)
    return report


def strip_bytecode(path: Path, target: Path) -> Path:
    """A copy of the zip at ``path`` without any .pyc: the control for what this step buys.

    Started from such a zip, every module is compiled at every cold start, as before this step (the
    venv's timestamp .pyc files were all stale on Lambda, and our own code had none).
    """
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as stripped:
        for info in source.infolist():
            if not info.filename.endswith(".pyc"):
                stripped.writestr(info, source.read(info))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip", type=Path, nargs="?")
    parser.add_argument(
        "--recompile",
        nargs=2,
        metavar=("TASK_ROOT", "SOURCE"),
        type=Path,
        help="instead: compile one changed .py of a zip unpacked into TASK_ROOT",
    )
    args = parser.parse_args(argv)
    if args.recompile:
        task_root, source = args.recompile
        recompile_in_task_root(task_root, source)
        return 0
    if args.zip is None:
        parser.error("give the zip to compile")
    report = compile_zip(args.zip)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    print(
        f"bytecode: {report.compiled} modules compiled for Python {version} (unchecked-hash), "
        f"{len(report.dropped_cache_files)} old __pycache__ files dropped"
        + (f"; not Python {version}: {', '.join(report.not_python)}" if report.not_python else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
