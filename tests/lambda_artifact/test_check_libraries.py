"""The native-library check on small zips whose verdict is known: real Debian-linked and patched objects."""

from __future__ import annotations

import zipfile
from pathlib import Path

import MySQLdb._mysql
import pytest

from lambda_artifact.build import DEFAULT_PLUGIN
from lambda_artifact.check_libraries import check_package, format_report, main, resolve_dependency
from lambda_artifact.elf_requirements import ElfRequirements, read_elf_requirements

PLUGIN_DIR = "/var/task/lambda_native/mariadb-plugins"
SETTINGS_WITH_PLUGIN_DIR = f"ENVIRONMENT_VARIABLES={{'MARIADB_PLUGIN_DIR': '{PLUGIN_DIR}'}}\n"
STATIC_EXTENSION_NAME = "MySQLdb/_mysql.cpython-312-x86_64-linux-gnu.so"


def make_zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


@pytest.fixture(scope="module")
def debian_mysqlclient_extension() -> bytes:
    """The dev venv's MySQLdb/_mysql*.so: mysqlclient built here against Debian's libmariadb.so.3."""
    data = Path(MySQLdb._mysql.__file__).read_bytes()
    needed = read_elf_requirements(data).needed
    assert "libmariadb.so.3" in needed, f"expected the dev venv's mysqlclient to link libmariadb: {needed}"
    return data


@pytest.fixture(scope="module")
def clear_password_plugin() -> bytes:
    if not DEFAULT_PLUGIN.is_file():
        pytest.fail(f"{DEFAULT_PLUGIN} missing: apt-get install libmariadb3")
    return DEFAULT_PLUGIN.read_bytes()


def test_debian_built_mysqlclient_fails_for_libmariadb(
    tmp_path, debian_mysqlclient_extension, clear_password_plugin
):
    package = make_zip(
        tmp_path / "debian.zip",
        {
            STATIC_EXTENSION_NAME: debian_mysqlclient_extension,
            "lambda_native/mariadb-plugins/mysql_clear_password.so": clear_password_plugin,
            "zappa_settings.py": SETTINGS_WITH_PLUGIN_DIR,
        },
    )

    report = check_package(package)

    assert not report.ok
    assert report.problems == [
        f"{STATIC_EXTENSION_NAME}: needs libmariadb.so.3, which neither the zip nor the runtime provides"
    ]


def test_command_exits_1_and_names_what_is_missing(tmp_path, debian_mysqlclient_extension, capsys):
    package = make_zip(tmp_path / "debian.zip", {STATIC_EXTENSION_NAME: debian_mysqlclient_extension})

    assert main([str(package)]) == 1
    output = capsys.readouterr().out
    assert "libmariadb.so.3 (MISSING)" in output
    assert "missing: " in output


def test_library_shipped_at_the_zip_root_satisfies_the_need(tmp_path, debian_mysqlclient_extension):
    # Lambda's LD_LIBRARY_PATH holds /var/task, so a vendored libmariadb.so.3 there would be found.
    package = make_zip(
        tmp_path / "vendored.zip",
        {
            STATIC_EXTENSION_NAME: debian_mysqlclient_extension,
            "libmariadb.so.3": Path("/usr/lib/x86_64-linux-gnu/libmariadb.so.3").read_bytes(),
        },
    )

    report = check_package(package)

    extension = next(library for library in report.libraries if library.path == STATIC_EXTENSION_NAME)
    assert "libmariadb.so.3 (zip:libmariadb.so.3)" in [
        dependency.describe() for dependency in extension.dependencies
    ]


def test_glibc_newer_than_2_34_fails(tmp_path, clear_password_plugin):
    # Same-length patch of the plugin's only version need (GLIBC_2.2.5): as if built on a newer distro.
    patched = clear_password_plugin.replace(b"GLIBC_2.2.5\0", b"GLIBC_2.38\0\0", 1)
    assert patched != clear_password_plugin
    package = make_zip(tmp_path / "new-glibc.zip", {"lambda_native/plugin.so": patched})

    report = check_package(package)

    assert report.problems == ["lambda_native/plugin.so: needs GLIBC_2.38, the runtime has glibc 2.34"]


def test_file_named_like_a_library_but_not_elf_fails(tmp_path):
    package = make_zip(tmp_path / "macos.zip", {"MySQLdb/_mysql.cpython-312-darwin.so": b"\xcf\xfa\xed\xfe"})

    assert check_package(package).problems == [
        "MySQLdb/_mysql.cpython-312-darwin.so: named like a shared object but not ELF (another OS?)"
    ]


def test_mysqlclient_without_plugin_dir_setting_fails(tmp_path, clear_password_plugin):
    package = make_zip(
        tmp_path / "no-plugin-dir.zip",
        {STATIC_EXTENSION_NAME: clear_password_plugin, "zappa_settings.py": "ENVIRONMENT_VARIABLES={}\n"},
    )

    [problem] = check_package(package).problems
    assert problem.startswith("MARIADB_PLUGIN_DIR is not set")


def test_plugin_dir_without_the_plugin_fails(tmp_path, clear_password_plugin):
    package = make_zip(
        tmp_path / "no-plugin.zip",
        {STATIC_EXTENSION_NAME: clear_password_plugin, "zappa_settings.py": SETTINGS_WITH_PLUGIN_DIR},
    )

    [problem] = check_package(package).problems
    assert problem.startswith(f"MARIADB_PLUGIN_DIR={PLUGIN_DIR} but the zip has no mysql_clear_password.so")


def test_origin_runpath_finds_an_auditwheel_libs_folder():
    # The layout auditwheel gives wheels that bundle libraries: pkg/_ext.so with RUNPATH $ORIGIN/../pkg.libs.
    requirements = ElfRequirements("EM_X86_64", 64, ("libfoo-1a2b.so.1",), ("$ORIGIN/../pkg.libs",), (2, 17))

    found = resolve_dependency("pkg/_ext.so", requirements, "libfoo-1a2b.so.1", {"pkg.libs/libfoo-1a2b.so.1"})
    absent = resolve_dependency(
        "pkg/_ext.so", requirements, "libfoo-1a2b.so.1", {"other.libs/libfoo-1a2b.so.1"}
    )

    assert found.source == "zip:pkg.libs/libfoo-1a2b.so.1"
    assert absent.source is None


def test_report_table_lists_needs_and_glibc(tmp_path, clear_password_plugin):
    package = make_zip(
        tmp_path / "plugin.zip",
        {"lambda_native/mariadb-plugins/mysql_clear_password.so": clear_password_plugin},
    )

    table = format_report(check_package(package))

    assert (
        "lambda_native/mariadb-plugins/mysql_clear_password.so  GLIBC_2.2.5 ok      libc.so.6 (runtime)"
        in table
    )
    assert table.endswith("glibc <= 2.34): all load")
