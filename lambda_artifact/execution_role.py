"""Create or update a stage's Zappa execution role, as `zappa deploy`/`update` do when they build the zip.

    python -m lambda_artifact.execution_role <stage>

zappa 0.63 skips its IAM step when given a prebuilt package (`deploy -z`/`update -z` only call
create_iam_roles() when they package themselves, zappa/cli.py), so the first `deploy -z` finds no
role and later changes to `extra_permissions` (rds-db:connect for the proxy users) never reach it.
This runs Zappa's own create_iam_roles() for the stage from zappa_settings.json; run it before
`zappa deploy <stage> -z ...` and whenever extra_permissions change. Needs IAM rights, like Zappa.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from zappa.cli import ZappaCLI

REPO_ROOT = Path(__file__).resolve().parent.parent


def ensure_execution_role(
    stage: str, settings_file: Path = REPO_ROOT / "zappa_settings.json", session: Any = None
) -> tuple[str, bool]:
    """The role's ARN, and whether anything had to be created or changed."""
    cli = ZappaCLI()
    cli.api_stage = stage
    cli.load_settings(settings_file=str(settings_file), session=session)
    if not cli.stage_config.get("manage_roles", True):
        raise SystemExit(f"stage {stage} sets manage_roles=false: its role is managed outside Zappa")
    role_arn, updated = cli.zappa.create_iam_roles()
    return str(role_arn), bool(updated)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create or update the stage's Zappa execution role.")
    parser.add_argument("stage")
    parser.add_argument("--settings", type=Path, default=REPO_ROOT / "zappa_settings.json")
    args = parser.parse_args(argv)
    role_arn, updated = ensure_execution_role(args.stage, args.settings)
    print(f"{role_arn} ({'created or updated' if updated else 'already up to date'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
