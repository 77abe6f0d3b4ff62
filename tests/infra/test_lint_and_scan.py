"""cfn-lint and checkov on infra/webhook-site.yaml.

checkov pins boto3 1.35, which clashes with the runtime pins, so it lives in its own venv
(`make tools` builds .venv-tools/); CHECKOV may name another checkov executable. Outside CI a
missing checkov skips its tests with that hint; under CI=true it fails them.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint_file

from tests.infra.conftest import REPO_ROOT, TEMPLATE_PATH
from tests.prerequisites import missing_prerequisite

# Regions the stack is linted for (resource and property availability differs per region).
LINT_REGIONS = ["us-east-1", "eu-west-1"]


def test_cfn_lint_reports_nothing_including_informational():
    matches = lint_file(TEMPLATE_PATH, config=ManualArgs(regions=LINT_REGIONS, include_checks=["I"]))

    assert [f"{match.rule.id} line {match.linenumber}: {match.message}" for match in matches] == []


def _checkov_executable() -> Path:
    executable = Path(os.environ.get("CHECKOV", REPO_ROOT / ".venv-tools" / "bin" / "checkov"))
    if not executable.exists():
        missing_prerequisite(f"checkov not found at {executable}: run `make tools` (or set CHECKOV)")
    return executable


@pytest.fixture(scope="module")
def checkov_results() -> dict[str, Any]:
    completed = subprocess.run(  # noqa: S603 - our own tool on our own template
        [
            _checkov_executable(),
            "--file",
            TEMPLATE_PATH,
            "--framework",
            "cloudformation",
            "--output",
            "json",
            # Offline: no guideline download from the vendor's platform (nothing here reaches it).
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
        check=False,
    )
    # Exit status 1 means "failed checks" and still prints the report; anything else is a crash.
    assert completed.returncode in (0, 1), completed.stderr
    return json.loads(completed.stdout)


def _declared_skips(template: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (name, skip["id"])
        for name, body in template["Resources"].items()
        for skip in body.get("Metadata", {}).get("checkov", {}).get("skip", [])
    }


def test_checkov_finds_no_failed_check(checkov_results):
    failed = checkov_results["results"]["failed_checks"]

    assert [(check["check_id"], check["resource"]) for check in failed] == []
    assert checkov_results["summary"]["parsing_errors"] == 0


def test_every_checkov_suppression_is_used_and_explained(checkov_results, template):
    skipped = {
        (check["resource"].split(".", 1)[1], check["check_id"])
        for check in checkov_results["results"]["skipped_checks"]
    }
    comments = [
        skip.get("comment", "")
        for body in template["Resources"].values()
        for skip in body.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]

    assert skipped == _declared_skips(template)
    assert all(len(comment) >= 40 for comment in comments)
