"""The zip `make lambda-package` builds: its native libraries load on Lambda, and it holds what it must."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lambda_artifact.build import REPO_ROOT, tracked_files
from lambda_artifact.check_libraries import check_package, format_report

# Lambda quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): a zip sent
# directly (zappa deploy/update -z <local file>) may be 50 MB; unzipped, code and layers 250 MB.
DIRECT_UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024
UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024
# The repository's folders that are the site itself (everything else is tooling, tests or docs).
PRODUCT_PACKAGES = {"webhook_site", "hits", "db_roles", "endpoints", "site_platform"}


def names_in(package: Path) -> set[str]:
    with zipfile.ZipFile(package) as archive:
        return set(archive.namelist())


def test_every_native_library_in_the_package_loads_on_lambda(built_package):
    report = check_package(built_package)

    assert report.ok, format_report(report)
    checked = {library.path for library in report.libraries}
    assert "lambda_native/mariadb-plugins/mysql_clear_password.so" in checked
    assert any(re.fullmatch(r"MySQLdb/_mysql\.cpython-312-x86_64-linux-gnu\.so", path) for path in checked)
    assert report.warnings == []  # the RDS CA bundle was given, so DATABASE_MASTER_CA_BUNDLE resolves


def test_package_ships_the_static_driver_not_a_debian_built_one(built_package):
    names = names_in(built_package)

    assert "MySQLdb/_static_build.json" in names
    assert not any(name.startswith("mysqlclient-") and ".dist-info/" in name for name in names)


def test_package_holds_static_files_plugin_and_ca_bundle(built_package):
    names = names_in(built_package)

    assert "staticfiles/admin/css/base.css" in names
    assert "lambda_native/mariadb-plugins/mysql_clear_password.so" in names
    assert "lambda_native/rds-ca-bundle.pem" in names
    assert {"handler.py", "zappa_settings.py", "webhook_site/settings.py", "hits/models.py"} <= names


def test_package_leaves_out_local_state_tests_and_tooling(built_package):
    top_level = {name.split("/", 1)[0] for name in names_in(built_package)}

    assert not top_level & {"var", "build", ".venv", ".venv-lambda"}
    # Every folder of the repository that is not the product (tests, benchmarks, the stand-ins, the
    # operator and proof tooling) stays out, including any added later: zappa_settings.json's
    # exclude_glob has to name it.
    tracked_folders = {path.split("/", 1)[0] for path in tracked_files() if "/" in path}
    assert top_level & tracked_folders == PRODUCT_PACKAGES


def test_package_fits_lambda_size_limits(built_package):
    with zipfile.ZipFile(built_package) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())

    assert built_package.stat().st_size < DIRECT_UPLOAD_LIMIT_BYTES
    assert unzipped < UNZIPPED_LIMIT_BYTES


def pins(path: Path) -> dict[str, str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return dict(line.split("==", 1) for line in lines if line and not line.startswith("-"))


def included(path: Path) -> list[str]:
    return [line.split(maxsplit=1)[1] for line in path.read_text().splitlines() if line.startswith("-r ")]


def test_lambda_and_development_requirements_share_the_site_pins_and_differ_by_the_driver():
    # One file owns every pin the zip ships; each environment adds only its MySQL driver.
    assert included(REPO_ROOT / "requirements.txt") == ["requirements-local.txt"]
    assert included(REPO_ROOT / "requirements-local.txt") == ["requirements-site.txt"]
    assert included(REPO_ROOT / "requirements-lambda.txt") == ["requirements-site.txt"]
    assert pins(REPO_ROOT / "requirements.txt") == {"mysqlclient": "2.3.1"}
    assert pins(REPO_ROOT / "requirements-lambda.txt") == {"mysqlclient-static": "2.3.0.post3"}
