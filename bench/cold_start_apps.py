"""The functions B5 starts, ready to run: the site, the bare Django reference, the site without bytecode.

Each is a zip from bench.lambda_packages unpacked as Lambda unpacks it, with the same runtime
directory; the site's copies have the production stage's variables filled in for the bench stack.
Each app knows its first event and how to check the answer to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.b1_reuse import PRODUCTION_CONN_MAX_AGE
from bench.events import WEBHOOK_BODY, capture_event, hello_event
from bench.lambda_function import ColdStart, LambdaFunction, cold_start, install_runtime
from bench.lambda_packages import build_both
from bench.stack import BenchStack
from bench.zappa_stage import configured_variables
from lambda_artifact.build import DEFAULT_VENV
from lambda_artifact.bytecode import strip_bytecode
from local_stack import DATABASE

SITE, BARE, SITE_WITHOUT_BYTECODE = "site", "bare", "site without bytecode"
# Zappa names functions <project_name>-<stage> (zappa_settings.json, bench/bare_app/zappa_settings.json).
FUNCTION_NAMES = {SITE: "webhook-site-production", BARE: "bare-django-bare"}


@dataclass(frozen=True)
class App:
    package: Path
    function: LambdaFunction
    event: Callable[[], dict[str, Any]]
    check: Callable[[BenchStack, ColdStart], None]

    def start(
        self, stack: BenchStack, log: Path, *later_events: dict[str, Any], options: tuple[str, ...] = ()
    ) -> ColdStart:
        """A cold start serving the app's first event (then ``later_events``), its first answer checked."""
        start = cold_start(self.function, [self.event(), *later_events], log, options)
        self.check(stack, start)
        return start


def check_capture(stack: BenchStack, start: ColdStart) -> None:
    """The first response is a 200 for a hit that is in the database with the body that was sent."""
    response = start.response()
    if response.get("statusCode") != 200:
        raise RuntimeError(f"the site's first invocation answered {response}")
    hit_id = json.loads(response["body"])["id"]
    rows = stack.server.query(f"SELECT body FROM `{DATABASE}`.hits_hit WHERE id = %s", [hit_id])
    if [bytes(row[0]) for row in rows] != [WEBHOOK_BODY]:
        raise RuntimeError(f"hit {hit_id} is not in the database as captured")


def check_hello(_stack: BenchStack, start: ColdStart) -> None:
    response = start.response()
    if response.get("statusCode") != 200 or json.loads(response["body"]).get("hello") != "world":
        raise RuntimeError(f"the bare app's first invocation answered {response}")


def build_packages(directory: Path, with_stripped_copy: bool) -> dict[str, Path]:
    site, bare = build_both(directory)
    packages = {SITE: site, BARE: bare}
    if with_stripped_copy:
        packages[SITE_WITHOUT_BYTECODE] = strip_bytecode(site, directory / "site-without-bytecode.zip")
    return packages


def prepare_apps(stack: BenchStack, directory: Path, packages: dict[str, Path]) -> dict[str, App]:
    """Each zip unpacked with the runtime beside it; the site's copies filled in for the bench stack."""
    python = DEFAULT_VENV / "bin" / "python"
    runtime_dir = install_runtime(directory / "runtime", python)
    stage = stack.stage_variables(PRODUCTION_CONN_MAX_AGE)
    apps = {}
    for app, package in packages.items():
        is_site = app != BARE
        function_dir = directory / app.replace(" ", "-")
        function_dir.mkdir()
        function = LambdaFunction.from_package(
            FUNCTION_NAMES[SITE if is_site else BARE],
            package,
            function_dir,
            runtime_dir,
            python,
            stage_overrides=stage if is_site else None,
            # Both apps get the production function's configured variables: how Zappa starts an app
            # (INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT) is the deployment's choice, not the app's.
            configured=configured_variables(),
        )
        if is_site:
            apps[app] = App(package, function, capture_event, check_capture)
        else:
            apps[app] = App(package, function, hello_event, check_hello)
    return apps
