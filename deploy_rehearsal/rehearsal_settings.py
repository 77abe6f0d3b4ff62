"""docs/deploy.md §2 and §3 for the rehearsal: fill a copy of zappa_settings.json from the stand-in
stack, and give the built zip the settings module that filled file bakes.

The committed zappa_settings.json keeps its FILL-FROM-STACK placeholders; the rehearsal writes its
filled copy into its own work folder (never the checkout) with infra/fill_zappa_settings.py, the
script an operator runs. A zip built from the committed file bakes those placeholders into its
zappa_settings.py (`zappa package` writes the stage's environment there), and a function started
from it would ask Secrets Manager for a placeholder ARN at every cold start. So, as §2 says to
rebuild after filling, the rehearsal deploys the built zip with that one module rewritten from its
filled copy by the same Zappa code `zappa package` uses (get_zappa_settings_string, through
`zappa save-python-settings-file`); tests/deploy_rehearsal checks that this reproduces the module
of a zip built from the committed file byte for byte.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from deploy_rehearsal.zappa_cli import ZAPPA
from infra.fill_zappa_settings import fill_stage

SETTINGS_MODULE = "zappa_settings.py"
# lambda_artifact.bytecode gives every module an unchecked-hash .pyc, which Python never checks
# against its source: left in place, the build's .pyc would keep the placeholder settings.
SETTINGS_BYTECODE_PREFIX = "__pycache__/zappa_settings."


def fill_settings(
    committed: dict[str, Any],
    outputs: dict[str, str],
    stages: list[str],
    local: Callable[[str, dict[str, str]], dict[str, str]],
) -> dict[str, Any]:
    """The committed settings with each of ``stages`` filled from the stack (fill_stage fills a web
    stage and its admin stage together), then given ``local(stage, its filled variables)``."""
    filled = committed
    for stage in stages:
        filled = fill_stage(filled, stage, outputs)
    for stage in stages:
        # §2: the operator picks a bucket (S3 bucket names take no underscore).
        filled[stage]["s3_bucket"] = f"webhook-site-rehearsal-{stage.replace('_', '-')}"
        environment = filled[stage]["environment_variables"]
        environment.update(local(stage, environment))
    return filled


def local_environment(
    filled: dict[str, str], proxy_port: int, ca_bundle: Path, task_root: Path
) -> dict[str, str]:
    """Where a function's environment (``filled``, its stage's filled variables) must differ on this
    machine from a Lambda in the stack's VPC; only variables the stage has are changed."""
    local = {
        # The stand-in listens on a free port; fill_zappa_settings writes RDS Proxy's 3306.
        "DATABASE_URL": with_port(filled["DATABASE_URL"], proxy_port),
        # The stand-in's and the local instance's certificates chain to a test CA, not to the Amazon
        # roots in certifi (the proxy) or to the RDS CA bundle shipped in the zip (the instance).
        "DATABASE_CA_BUNDLE": str(ca_bundle),
        # Lambda unpacks the zip into /var/task; the rehearsal into a folder of its own.
        "MARIADB_PLUGIN_DIR": str(task_root / "lambda_native" / "mariadb-plugins"),
    }
    if "DATABASE_MASTER_CA_BUNDLE" in filled:  # the admin stage's bootstrap_db_users
        local["DATABASE_MASTER_CA_BUNDLE"] = str(ca_bundle)
    return local


def with_port(url: str, port: int) -> str:
    """``url`` with its port replaced."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.netloc.rsplit(':', 1)[0]}:{port}"))


def settings_module(settings_file: Path, stage: str) -> str:
    """What `zappa package` writes as zappa_settings.py for ``stage`` of ``settings_file``."""
    with tempfile.TemporaryDirectory(prefix="rehearsal-settings-") as directory:
        target = Path(directory) / SETTINGS_MODULE
        subprocess.run(  # noqa: S603 - the zappa CLI of this virtualenv; no AWS call is made
            [str(ZAPPA), "save-python-settings-file", stage, "-s", str(settings_file), "-o", str(target)],
            cwd=directory,  # an empty folder: see ZAPPA_WALKS_CWD in deploy_rehearsal.expectations
            check=True,
            capture_output=True,
        )
        return target.read_text()


def rebake(package: Path, module_source: str, output: Path) -> Path:
    """A copy of ``package`` whose zappa_settings.py is ``module_source`` (and has no stale .pyc)."""
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename.startswith(SETTINGS_BYTECODE_PREFIX):
                continue
            data = module_source.encode() if info.filename == SETTINGS_MODULE else source.read(info)
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return output


def write_settings(settings: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(settings, indent=4) + "\n")
    return path
