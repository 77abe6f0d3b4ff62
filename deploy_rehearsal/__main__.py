"""python -m deploy_rehearsal [STAGE] [--zip build/webhook-site-<stage>.zip]: run the rehearsal of a web
stage and its admin stage (the zip is deployed to both, each with its own settings module)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from deploy_rehearsal.driver import rehearse
from deploy_rehearsal.report import format_report
from lambda_artifact.build import REPO_ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rehearse zappa deploy/update/status/undeploy against moto.")
    parser.add_argument(
        "stage",
        nargs="?",
        default="production",
        help="web stage to deploy with its admin stage (default: production)",
    )
    parser.add_argument("--zip", type=Path, help="the built zip (default: build/webhook-site-<stage>.zip)")
    # Outside the checkout: the work folder holds unpacked zips, and zappa run from the checkout would
    # find them (ZAPPA_WALKS_CWD in deploy_rehearsal.expectations).
    parser.add_argument(
        "--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "webhook-site-rehearsal"
    )
    args = parser.parse_args(argv)
    built_zip = args.zip or REPO_ROOT / "build" / f"webhook-site-{args.stage}.zip"
    report = rehearse(args.stage, built_zip, args.work_dir)
    print(format_report(report))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
