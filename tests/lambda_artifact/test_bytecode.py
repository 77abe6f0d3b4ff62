"""The zip's bytecode is valid on Lambda: hash-based .pyc for every module, nothing compiled at cold start."""

from __future__ import annotations

import marshal
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from lambda_artifact.build import DEFAULT_VENV
from lambda_artifact.bytecode import PYCACHE, recompile_in_task_root, strip_bytecode
from lambda_artifact.task_root import unpack_as_lambda
from tests.lambda_artifact.conftest import run_probe

# PEP 552: the .pyc header is magic (4 bytes), flags (4 bytes, little-endian), then 8 more bytes.
HASH_BASED = 0b01
# Any throwaway key of production length: the stage reads its real one from Secrets Manager.
SECRET_KEY = "bytecode-probe-" + "k" * 50


def runtime_cache_facts() -> tuple[bytes, str]:
    """The packaging (= function) Python's bytecode magic number and cache tag."""
    output = subprocess.run(  # noqa: S603 - the packaging venv's own interpreter
        [
            str(DEFAULT_VENV / "bin" / "python"),
            "-c",
            "import importlib.util as u, sys; print(u.MAGIC_NUMBER.hex(), sys.implementation.cache_tag)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return bytes.fromhex(output[0]), output[1]


def expected_pyc_name(source: str, cache_tag: str) -> str:
    path = PurePosixPath(source)
    return str(path.parent / PYCACHE / f"{path.stem}.{cache_tag}.pyc")


def test_every_pyc_in_the_zip_is_hash_based_for_the_runtime_python(built_package):
    magic, _tag = runtime_cache_facts()
    with zipfile.ZipFile(built_package) as archive:
        headers = {name: archive.read(name)[:8] for name in archive.namelist() if name.endswith(".pyc")}

    timestamp_based = sorted(name for name, header in headers.items() if not header[4] & HASH_BASED)
    foreign = sorted(name for name, header in headers.items() if header[:4] != magic)
    assert len(headers) > 2000
    assert timestamp_based == []
    assert foreign == []


def test_no_shipped_module_lacks_its_pyc(built_package):
    _magic, tag = runtime_cache_facts()
    with zipfile.ZipFile(built_package) as archive:
        names = set(archive.namelist())

    sources = {name for name in names if name.endswith(".py")}
    assert {"handler.py", "webhook_site/settings.py", "hits/views.py", "django/__init__.py"} <= sources
    assert sorted(name for name in sources if expected_pyc_name(name, tag) not in names) == []
    assert not any(PYCACHE in PurePosixPath(name).parts for name in sources)  # zappa's empty stubs are gone


def test_a_cold_start_from_the_unpacked_zip_compiles_nothing(unpacked_package):
    result = run_probe(unpacked_package, "cold", DJANGO_SECRET_KEY=SECRET_KEY)

    assert result["modules_loaded"] > 500  # Zappa, Django, the app, boto3 and the driver were imported
    assert result["compiled_from_source"] == []


def test_without_the_bytecode_step_the_same_cold_start_compiles_every_module(
    built_package: Path, tmp_path: Path
) -> None:
    # The control: the same zip with its bytecode removed, as a plain build would leave our own code.
    stripped = strip_bytecode(built_package, tmp_path / "no-bytecode.zip")

    result = run_probe(unpack_as_lambda(stripped, tmp_path / "task"), "cold", DJANGO_SECRET_KEY=SECRET_KEY)

    assert len(result["compiled_from_source"]) > 500


def test_a_source_changed_after_unpacking_is_recompiled_as_the_build_compiles_it(tmp_path: Path) -> None:
    # What benchmarks do after filling in the settings module of an unpacked zip.
    source = tmp_path / "zappa_settings.py"
    source.write_text("API_STAGE = 'production'\n")

    recompile_in_task_root(tmp_path, source)

    pyc = (tmp_path / PYCACHE / f"zappa_settings.{sys.implementation.cache_tag}.pyc").read_bytes()
    assert int.from_bytes(pyc[4:8], "little") == HASH_BASED  # unchecked: the source is never looked at
    assert marshal.loads(pyc[16:]).co_filename == "/var/task/zappa_settings.py"  # noqa: S302 - ours


def test_zoneinfo_works_from_the_zip_without_system_time_zones(unpacked_package):
    result = run_probe(unpacked_package, "tzdata")

    assert result["zone"] == "UTC"
    assert result["tzdata_file"].startswith(str(unpacked_package))


@pytest.mark.parametrize(
    "development_only", ["local_stack", "local_server", "local_rds_proxy", "local_mariadb", "tests", "bench"]
)
def test_development_only_packages_are_not_shipped(built_package, development_only):
    with zipfile.ZipFile(built_package) as archive:
        assert not [name for name in archive.namelist() if name.startswith(f"{development_only}/")]
