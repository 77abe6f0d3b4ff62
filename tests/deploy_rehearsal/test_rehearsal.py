"""The rehearsal end to end (also `make rehearse`): the real zappa CLI deploys, updates, reports and
removes the production stage and its admin stage in moto, and the deployed code answers the CLI's
touch and runs the admin tasks.

About two minutes on two cores; `pytest -m rehearsal` selects it. It needs the built zip, which this
session builds once for tests/lambda_artifact as well.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy_rehearsal.driver import RehearsalReport, rehearse
from deploy_rehearsal.report import format_report

pytestmark = pytest.mark.rehearsal


@pytest.fixture(scope="module")
def report(built_package: Path, tmp_path_factory: pytest.TempPathFactory) -> RehearsalReport:
    completed = rehearse("production", built_package, tmp_path_factory.mktemp("rehearsal"))
    print(format_report(completed))  # shown with -s, and in the log of a failing run
    return completed


def test_every_check_passes(report: RehearsalReport) -> None:
    failed = [f"{check.name}: {check.detail}" for check in report.checks if not check.passed]
    assert not failed, format_report(report)


def test_deploy_update_status_and_undeploy_exit_0(report: RehearsalReport) -> None:
    exit_codes = {step.name: step.exit_code for step in report.steps if "zappa " in step.name}

    # Step names read "§3 production: zappa deploy -z"; without the section: "production: zappa ...".
    assert [name.removeprefix(name.split(" ")[0] + " ") for name in exit_codes if exit_codes[name] == 0] == [
        f"{stage}: zappa {command}"
        for command in ("deploy -z", "update -z", "status", "undeploy")
        for stage in ("production", "production_admin")
    ]


def test_the_admin_function_runs_the_admin_tasks_and_the_web_function_refuses_them(
    report: RehearsalReport,
) -> None:
    (setup,) = [step for step in report.steps if step.name.startswith("§4 production_admin")]

    assert [check.name for check in setup.checks if check.passed] == [
        "production_admin: invoke bootstrap_db_users",
        "production_admin: manage migrate",
        "production_admin: invoke create_superuser",
        "production_admin: invoke migration_status",
        "control production: manage migrate is refused, naming production_admin",
    ]


def test_the_default_touch_path_reproduces_the_failed_first_deploy(report: RehearsalReport) -> None:
    (control,) = [step for step in report.steps if step.name.startswith("control")]

    assert control.exit_code not in (0, None)
    assert all(check.passed for check in control.checks)


def test_nothing_left_the_machine(report: RehearsalReport) -> None:
    # The only attempts: the CLI's PyPI version check, once per zappa command, refused by the proxy.
    assert set(report.refused_egress) == {"CONNECT pypi.org:443"}
