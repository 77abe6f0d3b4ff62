"""`python -m bench` end to end at the tiny size: every section of the report and every plot is written.

Runs the same machinery as `make bench-quick` (its own MariaDB servers, the stand-in in its own
process, Zappa's handler in container processes, and for B5 the Lambda zips built, unpacked and
started through awslambdaric), so it needs the MariaDB binaries and a Python 3.12. No timing is
asserted: on a shared CI machine only the report's shape is stable.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.report import SECTIONS
from tests.lambda_package import lambda_python

pytestmark = pytest.mark.mariadb_only

REPOSITORY = Path(__file__).resolve().parents[2]
PLOTS = ("b1_reuse.png", "b2_floor.png", "b3_fanin.png", "b4_growth.png", "b5_cold_start.png")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lambda_python()  # B5 builds the Lambda zips: without a Python 3.12, skip (fail in CI) saying so
    document = tmp_path_factory.mktemp("bench") / "benchmarks.md"
    subprocess.run(  # noqa: S603 - this interpreter running the bench package of this checkout
        [sys.executable, "-m", "bench", "--mode", "tiny", "--output", str(document)],
        cwd=REPOSITORY,
        check=True,
        timeout=900,  # B5 builds two Lambda zips: about a minute on a quiet machine
    )
    return document


def test_report_has_every_section(report: Path) -> None:
    text = report.read_text()
    assert [section for section in SECTIONS if section not in text] == []
    assert "**tiny run**" in text  # never mistaken for the committed full run


def test_report_links_every_plot_and_each_is_a_png(report: Path) -> None:
    text = report.read_text()
    for name in PLOTS:
        assert f"](benchmarks/{name})" in text
        assert (report.parent / "benchmarks" / name).read_bytes().startswith(PNG_SIGNATURE)


def test_targets_table_lists_all_seven_targets(report: Path) -> None:
    targets = report.read_text().split("## Targets", 1)[1].split("\n## ", 1)[0]
    verdicts = [line for line in targets.splitlines() if line.endswith((" met |", ")|", ") |"))]
    assert len(verdicts) == 7, targets


def test_cold_start_ran_every_app_from_its_zip(report: Path) -> None:
    section = report.read_text().split("## B5 cold start", 1)[1].split("\n## ", 1)[0]
    for app in (
        "webhook_site (production zip)",
        "bare Django (same packaging)",
        "webhook_site zip without .pyc",
    ):
        assert f"| {app} | 1 |" in section
    assert "`GetSecretValue`" in section  # the stage's secret-key read was timed
    assert "| `django.db` |" in section  # the import profile was parsed
