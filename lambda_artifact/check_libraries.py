"""Check a built Lambda zip: can every native library in it load on the python3.12 runtime?

    python -m lambda_artifact.check_libraries build/webhook-site-production.zip

For every ELF object in the zip (extension modules, bundled *.libs/ libraries, the MariaDB plugin) it
lists the libraries the object NEEDs and where each one would come from on Lambda - the zip itself
(the object's RUNPATH/RPATH, or the folders on Lambda's LD_LIBRARY_PATH) or the runtime
(lambda_artifact.lambda_runtime) - and the highest glibc symbol version it binds to. The client
plugin mysqlclient dlopen()s at login is not a NEEDED entry, so the zip's baked-in environment is
read too: MARIADB_PLUGIN_DIR must point at a folder in the zip holding mysql_clear_password.so.
Exit status 1, listing what is missing, when anything would fail to load.
"""

from __future__ import annotations

import argparse
import ast
import posixpath
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lambda_artifact.elf_requirements import ElfRequirements, NotAnElfObject, is_elf, read_elf_requirements
from lambda_artifact.lambda_runtime import (
    ELF_CLASS,
    LOADER_PATH_DIRECTORIES_IN_ZIP,
    MACHINE,
    MAX_GLIBC,
    RUNTIME,
    RUNTIME_LIBRARIES,
    TASK_ROOT,
)

SHARED_OBJECT_NAME = re.compile(r"\.so(\.\d+)*$")
ZAPPA_SETTINGS_MODULE = "zappa_settings.py"  # written into the zip by `zappa package`
CLEAR_PASSWORD_PLUGIN = "mysql_clear_password.so"  # noqa: S105 - a file name, not a password
MYSQLCLIENT_EXTENSION = re.compile(r"^MySQLdb/_mysql\..*\.so$")
# Environment variables naming files the function opens at run time (not libraries): a missing one
# is reported as a warning, since only the command that needs it fails.
RUNTIME_FILE_VARIABLES = {
    "DATABASE_MASTER_CA_BUNDLE": "bootstrap_db_users cannot verify the DB instance's certificate",
}


@dataclass(frozen=True)
class Dependency:
    name: str
    source: str | None  # "runtime", "zip:<path>", or None when nothing provides it

    def describe(self) -> str:
        return f"{self.name} ({self.source or 'MISSING'})"


@dataclass(frozen=True)
class LibraryStatus:
    path: str
    requirements: ElfRequirements | None
    dependencies: tuple[Dependency, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class PackageReport:
    zip_path: Path
    libraries: list[LibraryStatus] = field(default_factory=list)
    package_problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [
            f"{library.path}: {problem}" for library in self.libraries for problem in library.problems
        ] + (self.package_problems)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_package(zip_path: Path) -> PackageReport:
    """Inspect every ELF object in the zip and the files its environment points at."""
    report = PackageReport(zip_path)
    with zipfile.ZipFile(zip_path) as archive:
        names = {info.filename for info in archive.infolist() if not info.is_dir()}
        for name in sorted(names):
            status = _library_status(archive, name, names)
            if status is not None:
                report.libraries.append(status)
        environment = _baked_environment(archive, names, report)
    if environment is not None:
        _check_plugin_directory(environment, names, report)
        _check_runtime_files(environment, names, report)
    return report


def _library_status(archive: zipfile.ZipFile, name: str, names: set[str]) -> LibraryStatus | None:
    with archive.open(name) as member:
        head = member.read(4)
    if not is_elf(head):
        if SHARED_OBJECT_NAME.search(name):
            return LibraryStatus(
                name, None, problems=("named like a shared object but not ELF (another OS?)",)
            )
        return None
    try:
        requirements = read_elf_requirements(archive.read(name))
    except NotAnElfObject as error:
        return LibraryStatus(name, None, problems=(f"unreadable ELF file: {error}",))
    dependencies = tuple(
        resolve_dependency(name, requirements, needed, names) for needed in requirements.needed
    )
    problems = [
        f"needs {dependency.name}, which neither the zip nor the runtime provides"
        for dependency in dependencies
        if dependency.source is None
    ]
    if requirements.machine != MACHINE or requirements.elf_class != ELF_CLASS:
        problems.append(f"built for {requirements.machine}/{requirements.elf_class}-bit, Lambda runs x86_64")
    if requirements.glibc and requirements.glibc > MAX_GLIBC:
        problems.append(
            f"needs {requirements.glibc_text}, the runtime has glibc {'.'.join(map(str, MAX_GLIBC))}"
        )
    return LibraryStatus(name, requirements, dependencies, tuple(problems))


def resolve_dependency(path: str, requirements: ElfRequirements, needed: str, names: set[str]) -> Dependency:
    """Where Lambda's loader finds ``needed`` for the object at ``path``: the zip, the runtime, or nowhere."""
    for directory in _search_directories(path, requirements):
        candidate = posixpath.join(directory, needed) if directory else needed
        if candidate in names:
            return Dependency(needed, f"zip:{candidate}")
    if needed in RUNTIME_LIBRARIES:
        return Dependency(needed, "runtime")
    return Dependency(needed, None)


def _search_directories(path: str, requirements: ElfRequirements) -> list[str]:
    """Folders inside the zip the loader searches for this object: its RUNPATH/RPATH, then LD_LIBRARY_PATH."""
    origin = posixpath.dirname(path)
    directories = []
    for entry in requirements.search_paths:
        expanded = entry.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
        if expanded.startswith(TASK_ROOT + "/"):
            expanded = expanded[len(TASK_ROOT) + 1 :]
        elif expanded.startswith("/"):
            continue  # a folder of the build machine; nothing of it exists on Lambda
        directories.append(posixpath.normpath(expanded) if expanded else "")
    return [*directories, *LOADER_PATH_DIRECTORIES_IN_ZIP]


def _baked_environment(
    archive: zipfile.ZipFile, names: set[str], report: PackageReport
) -> dict[str, str] | None:
    """ENVIRONMENT_VARIABLES from the zip's zappa_settings.py, which the handler exports at cold start."""
    if ZAPPA_SETTINGS_MODULE not in names:
        report.warnings.append(f"no {ZAPPA_SETTINGS_MODULE} in the zip: its environment was not checked")
        return None
    tree = ast.parse(archive.read(ZAPPA_SETTINGS_MODULE))
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "ENVIRONMENT_VARIABLES"
            for target in statement.targets
        ):
            return {str(key): str(value) for key, value in ast.literal_eval(statement.value).items()}
    return {}


def _path_in_zip(absolute: str) -> str | None:
    if not absolute.startswith(TASK_ROOT + "/"):
        return None
    return posixpath.normpath(absolute[len(TASK_ROOT) + 1 :])


def _check_plugin_directory(environment: dict[str, str], names: set[str], report: PackageReport) -> None:
    if not any(MYSQLCLIENT_EXTENSION.match(name) for name in names):
        return
    plugin_dir = environment.get("MARIADB_PLUGIN_DIR")
    if not plugin_dir:
        report.package_problems.append(
            "MARIADB_PLUGIN_DIR is not set in zappa_settings.json environment_variables: MySQLdb cannot load "
            f"{CLEAR_PASSWORD_PLUGIN}, so IAM login through RDS Proxy fails (error 2059)"
        )
        return
    directory = _path_in_zip(plugin_dir)
    plugin = posixpath.join(directory, CLEAR_PASSWORD_PLUGIN) if directory is not None else None
    if plugin not in names:
        report.package_problems.append(
            f"MARIADB_PLUGIN_DIR={plugin_dir} but the zip has no {CLEAR_PASSWORD_PLUGIN} there "
            f"(it must be under {TASK_ROOT}/, where Lambda unpacks the zip)"
        )


def _check_runtime_files(environment: dict[str, str], names: set[str], report: PackageReport) -> None:
    for variable, consequence in RUNTIME_FILE_VARIABLES.items():
        value = environment.get(variable)
        if value and value.startswith(TASK_ROOT + "/") and _path_in_zip(value) not in names:
            report.warnings.append(f"{variable}={value} is not in the zip: {consequence}")


def format_report(report: PackageReport) -> str:
    """The table (library, glibc, status, needs) followed by problems, warnings and a verdict."""
    width = max([len("library"), *(len(library.path) for library in report.libraries)])
    lines = [f"{'library':<{width}}  {'glibc':<11} {'status':<7} needs"]
    for library in report.libraries:
        glibc = library.requirements.glibc_text if library.requirements else "-"
        needs = ", ".join(dependency.describe() for dependency in library.dependencies) or "-"
        lines.append(f"{library.path:<{width}}  {glibc:<11} {'ok' if library.ok else 'FAIL':<7} {needs}")
    lines += [f"warning: {warning}" for warning in report.warnings]
    lines += [f"missing: {problem}" for problem in report.problems]
    verdict = "all load" if report.ok else f"{len(report.problems)} problem(s)"
    lines.append(
        f"{len(report.libraries)} native libraries in {report.zip_path.name} checked against the Lambda "
        f"{RUNTIME} runtime (x86_64, glibc <= {'.'.join(map(str, MAX_GLIBC))}): {verdict}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip", type=Path, help="the zip built by `make lambda-package`")
    args = parser.parse_args(argv)
    if not zipfile.is_zipfile(args.zip):
        parser.error(f"{args.zip} is not a zip file (build one with: make lambda-package STAGE=<stage>)")
    report = check_package(args.zip)
    print(format_report(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
