"""The production stage's zappa_settings.py, with its environment pointed at the local stack.

Zappa's handler exports the stage's ENVIRONMENT_VARIABLES into os.environ while it initialises, before
Django reads its settings, so overriding them in this process's environment would be clobbered: the
values have to be changed in the generated settings module itself, as a deployment fills them in.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

from bench.paths import REPOSITORY
from infra.fill_zappa_settings import resolved_setting
from lambda_artifact.lambda_runtime import TASK_ROOT

STAGE = "production"
SETTINGS_MODULE = "zappa_settings"
ENVIRONMENT_LINE = re.compile(r"^ENVIRONMENT_VARIABLES=(.*)$", re.MULTILINE)
# The stage's secret key lives in Secrets Manager (no AWS here): bench passes a plain DJANGO_SECRET_KEY.
SECRET_ARN_VARIABLE = "DJANGO_SECRET_KEY_SECRET_ARN"  # noqa: S105 - a variable's name
# Stage variables naming files inside the Lambda zip: the plugin directory (this machine's libmariadb
# finds mysql_clear_password itself) and the master CA bundle. Dropped when the repository's code runs
# in this machine's venv; re-pointed at the unpacked copy when the zip itself runs.
PACKAGE_FILE_VARIABLES = ("MARIADB_PLUGIN_DIR", "DATABASE_MASTER_CA_BUNDLE")


def configured_variables(stage: str = STAGE) -> dict[str, str]:
    """The stage's aws_environment_variables: set on the function's configuration, not in the package."""
    settings = json.loads((REPOSITORY / "zappa_settings.json").read_text())
    return dict(resolved_setting(settings, stage, "aws_environment_variables") or {})


def generated_settings_text(work_dir: Path) -> str:
    """What `zappa save-python-settings-file production` writes (no AWS involved)."""
    zappa = Path(sys.executable).with_name("zappa")
    # The CLI insists on the file name; the directory must exist.
    target = work_dir / "generated" / f"{SETTINGS_MODULE}.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(zappa), "save-python-settings-file", STAGE, "-o", str(target)],
        cwd=REPOSITORY,
        check=True,
        capture_output=True,
    )
    return target.read_text()


def with_stage_variables(generated: str, overrides: dict[str, str], task_root: Path | None = None) -> str:
    """``generated`` with its stage variables carrying ``overrides``.

    ``task_root``: where the Lambda zip is unpacked, standing in for /var/task; None when the
    repository's code runs instead of the zip.
    """
    match = ENVIRONMENT_LINE.search(generated)
    if match is None:
        raise RuntimeError("zappa's generated settings have no ENVIRONMENT_VARIABLES line")
    variables = ast.literal_eval(match.group(1))
    variables.pop(SECRET_ARN_VARIABLE, None)
    for name in PACKAGE_FILE_VARIABLES:
        value = variables.pop(name, None)
        if task_root is not None and value is not None:
            variables[name] = str(task_root / Path(value).relative_to(TASK_ROOT))
    variables.update(overrides)
    return ENVIRONMENT_LINE.sub(lambda _: f"ENVIRONMENT_VARIABLES={variables!r}", generated)


def write_stage_settings(generated: str, directory: Path, overrides: dict[str, str]) -> Path:
    """A zappa_settings.py in ``directory`` whose stage variables carry ``overrides``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{SETTINGS_MODULE}.py"
    path.write_text(with_stage_variables(generated, overrides))
    return path
