"""The CloudFormation template and zappa_settings.json, parsed once per session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "infra" / "webhook-site.yaml"
ZAPPA_SETTINGS_PATH = REPO_ROOT / "zappa_settings.json"


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    """The template with its short-form tags (!Ref, !GetAtt, ...) decoded to their long form."""
    parsed, errors = decode(str(TEMPLATE_PATH))
    assert not errors, [str(error) for error in errors]
    return parsed


@pytest.fixture(scope="session")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]


@pytest.fixture(scope="session")
def zappa_settings() -> dict[str, Any]:
    return json.loads(ZAPPA_SETTINGS_PATH.read_text())


def parameter_default(template: dict[str, Any], value: Any) -> Any:
    """The value of a literal or of a {"Ref": parameter} at the parameter's default."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return template["Parameters"][value["Ref"]]["Default"]
    return value
