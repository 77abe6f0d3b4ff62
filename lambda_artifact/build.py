"""Build the Lambda zip for a stage and check it: what `make lambda-package STAGE=<stage>` runs.

1. A packaging virtualenv (.venv-lambda) with Python 3.12 and requirements-lambda.txt: the runtime
   pins with mysqlclient-static in place of mysqlclient, wheels only. Rebuilt when that file changes.
2. A staging copy of the project holding only the files git tracks, as they are in the working tree
   (never local state such as var/ with its keys and passwords, nor others' untracked work), plus
   what the zip needs beyond the source: collected static files for WhiteNoise, the MariaDB client
   plugin mysql_clear_password.so, and optionally the RDS CA bundle.
3. `manage.py check --deploy` on the copy, with the environment the stage's function will have, then
   the database's mysql_iam configuration checks (`check --database default --tag mysql_iam`).
4. `zappa package <stage>` run from that copy with the packaging venv active.
5. lambda_artifact.bytecode on the zip: every module compiled with unchecked-hash invalidation,
   so a cold start on Lambda's read-only /var/task never recompiles anything.
6. lambda_artifact.check_libraries on the result; a failed check fails the build.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import runpy
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS

from lambda_artifact.bytecode import TASK_ROOT
from lambda_artifact.check_libraries import check_package, format_report
from lambda_artifact.lambda_runtime import RUNTIME
from webhook_site.db.mysql_iam.checks import IAM_CHECK_TAG

REPO_ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = REPO_ROOT / "requirements-lambda.txt"
# requirements-lambda.txt includes this one (-r): a change to either rebuilds the packaging venv.
REQUIREMENT_FILES = (REQUIREMENTS, REPO_ROOT / "requirements-site.txt")
DEFAULT_VENV = REPO_ROOT / ".venv-lambda"
REQUIREMENTS_STAMP = ".requirements-sha256"
# Debian 12's libmariadb3 package: Connector/C 3.3, built DYNAMIC there; it NEEDs only libc.so.6.
DEFAULT_PLUGIN = Path("/usr/lib/x86_64-linux-gnu/libmariadb3/plugin/mysql_clear_password.so")
# Where the extra files sit in the zip; zappa_settings.json points MARIADB_PLUGIN_DIR and
# DATABASE_MASTER_CA_BUNDLE at these paths under /var/task.
PLUGIN_DIR_IN_ZIP = Path("lambda_native/mariadb-plugins")
RDS_CA_BUNDLE_IN_ZIP = Path("lambda_native/rds-ca-bundle.pem")
RUNTIME_VERSION = tuple(int(part) for part in RUNTIME.removeprefix("python").split("."))


class BuildError(RuntimeError):
    """A prerequisite is missing or a step failed; the message says what to do."""


def build_package(
    stage: str,
    output: Path,
    python: str,
    venv: Path = DEFAULT_VENV,
    staging: Path | None = None,
    plugin: Path = DEFAULT_PLUGIN,
    rds_ca_bundle: Path | None = None,
) -> Path:
    """Build ``output`` for ``stage``; return its path. Raises BuildError."""
    staging = staging or REPO_ROOT / "build" / "lambda-src" / stage
    with _step("packaging venv"):
        ensure_packaging_venv(venv, python)
    with _step("staging copy"):
        stage_source_tree(staging)
        place_native_files(staging, plugin, rds_ca_bundle)
    with _step("collectstatic"):
        _run(
            [str(venv / "bin" / "python"), "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=staging,
            env=_plain_environment(),
        )
    with _step("system checks"):
        check_deploy_settings(stage, staging, venv)
    return package_project(stage, staging, output, venv)


def package_project(stage: str, project_dir: Path, output: Path, venv: Path = DEFAULT_VENV) -> Path:
    """Steps 4 and 5 for any Zappa project folder: `zappa package`, then the bytecode step.

    Also used by the benchmarks to package their bare Django reference exactly as the site is packaged.
    """
    with _step("zappa package"):
        output = output.resolve()
        output.parent.mkdir(parents=True, exist_ok=True)
        output.unlink(missing_ok=True)
        _run(
            [str(venv / "bin" / "zappa"), "package", stage, "-o", str(output)],
            cwd=project_dir,
            env=_venv_environment(venv),
        )
    with _step("bytecode"):
        # The function's Python compiles (the .pyc format is per version); the module is stdlib only.
        compile_command = [str(venv / "bin" / "python"), "-m", "lambda_artifact.bytecode", str(output)]
        summary = _run(compile_command, cwd=REPO_ROOT)
        print(summary.strip(), file=sys.stderr)
    return output


def stage_environment(stage: str, staging: Path, venv: Path) -> dict[str, str]:
    """The environment variables Zappa bakes into the stage's package (its settings module)."""
    with tempfile.TemporaryDirectory(prefix="zappa-settings-") as directory:
        settings_file = Path(directory) / "zappa_settings.py"
        _run(
            [str(venv / "bin" / "zappa"), "save-python-settings-file", stage, "-o", str(settings_file)],
            cwd=staging,
            env=_venv_environment(venv),
        )
        variables = runpy.run_path(str(settings_file))["ENVIRONMENT_VARIABLES"]
    return {str(name): str(value) for name, value in variables.items()}


def check_deploy_settings(stage: str, staging: Path, venv: Path) -> None:
    """`manage.py check --deploy`, then the database's mysql_iam checks, with the stage's settings: a
    warning fails the build.

    The IAM checks run alone (--tag): a full `check --database default` connects (Django's MySQL and
    model checks read the server's version), and the stage's database is out of reach here. What
    Lambda gives the function and the build cannot, the checks get a stand-in for (checked, never
    shipped): a throwaway secret key of production strength (the function reads its own from Secrets
    Manager at cold start), placeholder keys where the function's role puts its credentials, and the
    plugin directory as it sits in the staging copy.
    """
    environment = _plain_environment() | stage_environment(stage, staging, venv)
    environment |= {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "AWS_ACCESS_KEY_ID": "AKIDBUILDCHECKONLY000",
        "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30),
    }
    if plugin_dir := environment.get("MARIADB_PLUGIN_DIR"):
        environment["MARIADB_PLUGIN_DIR"] = str(staging / Path(plugin_dir).relative_to(TASK_ROOT))
    python = str(venv / "bin" / "python")
    for check in (
        ["--deploy"],
        ["--database", DEFAULT_DB_ALIAS, "--tag", IAM_CHECK_TAG],
    ):
        _run([python, "manage.py", "check", *check, "--fail-level", "WARNING"], cwd=staging, env=environment)


def ensure_packaging_venv(venv: Path, python: str) -> None:
    """Create (or recreate, when its requirement files changed) the venv zappa packages from."""
    wanted = hashlib.sha256(b"".join(path.read_bytes() for path in REQUIREMENT_FILES)).hexdigest()
    stamp = venv / REQUIREMENTS_STAMP
    with _exclusive_lock(venv.with_name(venv.name + ".lock")):
        if stamp.is_file() and stamp.read_text().strip() == wanted:
            return
        _require_runtime_python(python)
        shutil.rmtree(venv, ignore_errors=True)  # nothing from an earlier requirement set may linger
        _run([python, "-m", "venv", str(venv)])
        (venv / ".gitignore").write_text("*\n")
        _run(
            [str(venv / "bin" / "pip"), "install", "--quiet", "-r", str(REQUIREMENTS)],
            env=_plain_environment(),
        )
        stamp.write_text(wanted + "\n")


def runtime_python_candidates() -> list[str]:
    """Where a Python of the function's version may be: LAMBDA_PYTHON, this interpreter, PATH, pyenv."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    version = ".".join(map(str, RUNTIME_VERSION))
    candidates = [os.environ.get("LAMBDA_PYTHON"), sys.executable, shutil.which(f"python{version}")]
    candidates += sorted(str(path) for path in pyenv_root.glob(f"versions/{version}*/bin/python{version}"))
    return [candidate for candidate in candidates if candidate]


def find_runtime_python() -> str:
    """The first candidate that runs and is the function's Python version (a pyenv shim may not run)."""
    for candidate in runtime_python_candidates():
        try:
            _require_runtime_python(candidate)
        except BuildError:
            continue
        return candidate
    raise BuildError(
        f"no Python {'.'.join(map(str, RUNTIME_VERSION))} found: install one or set LAMBDA_PYTHON"
    )


def _require_runtime_python(python: str) -> None:
    try:
        found = subprocess.run(  # noqa: S603 - the interpreter the caller named
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        raise BuildError(f"cannot run {python!r} ({error}): set LAMBDA_PYTHON to a Python 3.12") from error
    if tuple(int(part) for part in found.split(".")) != RUNTIME_VERSION:
        raise BuildError(
            f"{python} is Python {found}, but the function runs {RUNTIME} and extension modules are built "
            f"per Python version: set LAMBDA_PYTHON to a Python {'.'.join(map(str, RUNTIME_VERSION))}"
        )


def tracked_files() -> list[str]:
    """The repository's files as git tracks them (paths relative to REPO_ROOT): source, not local state."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached"],  # noqa: S607
            cwd=REPO_ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise BuildError(
            f"packaging needs a git checkout to tell source from local state: {error}"
        ) from error
    return list(filter(None, listing.decode().split("\0")))


def stage_source_tree(staging: Path) -> None:
    """Copy the files git tracks (working-tree content) into an empty ``staging`` folder."""
    names = tracked_files()
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in names:
        source = REPO_ROOT / name
        if source.is_file():  # tracked but deleted in the working tree: skip
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def place_native_files(staging: Path, plugin: Path, rds_ca_bundle: Path | None) -> None:
    if not plugin.is_file():
        raise BuildError(
            f"no MariaDB clear-password plugin at {plugin}: apt-get install libmariadb3 "
            "(or pass --mariadb-plugin / MARIADB_PLUGIN=<path to mysql_clear_password.so>)"
        )
    (staging / PLUGIN_DIR_IN_ZIP).mkdir(parents=True)
    shutil.copy2(plugin, staging / PLUGIN_DIR_IN_ZIP / plugin.name)
    if rds_ca_bundle is None:
        print(
            "note: no RDS CA bundle given (RDS_CA_BUNDLE=...): bootstrap_db_users will not run on Lambda "
            "until a package built with one is deployed; see docs/deploy.md",
            file=sys.stderr,
        )
        return
    if b"-----BEGIN CERTIFICATE-----" not in rds_ca_bundle.read_bytes():
        raise BuildError(f"{rds_ca_bundle} holds no PEM certificate: download the RDS global-bundle.pem")
    shutil.copy2(rds_ca_bundle, staging / RDS_CA_BUNDLE_IN_ZIP)


def _plain_environment() -> dict[str, str]:
    # Settings read the environment; collectstatic needs none of an operator's DJANGO_*/DATABASE_*
    # values (a DJANGO_SECURE=true shell would otherwise ask Secrets Manager for the key).
    return {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ} | {
        "PIP_DISABLE_PIP_VERSION_CHECK": "1"
    }


def _venv_environment(venv: Path) -> dict[str, str]:
    # zappa packages the site-packages of the venv named by VIRTUAL_ENV (zappa.core.get_current_venv).
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    environment["VIRTUAL_ENV"] = str(venv)
    environment["PATH"] = f"{venv / 'bin'}{os.pathsep}{environment.get('PATH', '')}"
    return environment


def _run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run ``command``; its standard output, or BuildError with the tail of both streams."""
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        raise BuildError(
            f"{' '.join(command)} failed ({completed.returncode}):\n"
            f"{completed.stdout[-3000:]}{completed.stderr[-3000:]}"
        )
    return completed.stdout


@contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    # Two test runs (or a test run and make) in one checkout must not build the venv at once.
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@contextmanager
def _step(name: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    print(f"{name}: {time.monotonic() - started:.1f} s", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build and check the Lambda zip for a Zappa stage.")
    parser.add_argument("stage")
    parser.add_argument("--output", type=Path, help="default: build/webhook-site-<stage>.zip")
    parser.add_argument("--python", help="a Python 3.12 (default: LAMBDA_PYTHON, this one, PATH, pyenv)")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--mariadb-plugin", type=Path, default=DEFAULT_PLUGIN)
    parser.add_argument("--rds-ca-bundle", type=Path, help="the RDS global-bundle.pem to ship")
    args = parser.parse_args(argv)
    output = args.output or REPO_ROOT / "build" / f"webhook-site-{args.stage}.zip"
    try:
        built = build_package(
            args.stage,
            output,
            args.python or find_runtime_python(),
            args.venv,
            plugin=args.mariadb_plugin,
            rds_ca_bundle=args.rds_ca_bundle,
        )
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    report = check_package(built)
    print(format_report(report))
    print(f"{built} ({built.stat().st_size / 2**20:.1f} MiB)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
