"""The production stage's zappa_settings.py, with its environment pointed at the local stack.

Zappa's handler exports the stage's ENVIRONMENT_VARIABLES into os.environ while it initialises, before
Django reads its settings, so overriding them in this process's environment would be clobbered: the
values have to be changed in the generated settings module itself.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from bench.proxy_process import REPOSITORY

STAGE = "production"
SETTINGS_MODULE = "zappa_settings"
ENVIRONMENT_LINE = re.compile(r"^ENVIRONMENT_VARIABLES=(.*)$", re.MULTILINE)
# Stage variables that name AWS-only resources: the Lambda package's plugin directory (this machine's
# libmariadb finds mysql_clear_password itself), the master CA bundle, and Secrets Manager ARNs that
# bench replaces with plain values.
DROPPED_VARIABLES = ("MARIADB_PLUGIN_DIR", "DATABASE_MASTER_CA_BUNDLE", "DJANGO_SECRET_KEY_SECRET_ARN")


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


def write_stage_settings(generated: str, directory: Path, overrides: dict[str, str]) -> Path:
    """A zappa_settings.py in ``directory`` whose stage variables carry ``overrides``."""
    match = ENVIRONMENT_LINE.search(generated)
    if match is None:
        raise RuntimeError("zappa's generated settings have no ENVIRONMENT_VARIABLES line")
    variables = ast.literal_eval(match.group(1))
    for name in DROPPED_VARIABLES:
        variables.pop(name, None)
    variables.update(overrides)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{SETTINGS_MODULE}.py"
    path.write_text(ENVIRONMENT_LINE.sub(lambda _: f"ENVIRONMENT_VARIABLES={variables!r}", generated))
    return path
