"""The rehearsal: docs/deploy.md §1-§4, §6 and §7 for a web stage and its admin stage, run with the
real zappa CLI against moto, the deployed code answering through the local API Gateway.

    stand-in stack with the template's roles (§1) -> both stages' filled settings (§2)
    -> each zip with its settings module (§3) -> zappa deploy -z, web and admin (§3)
    -> bootstrap window open, bootstrap / migrate / superuser in the admin function, window closed (§4)
    -> zappa update -z (§6) -> zappa status -> zappa undeploy (§7), each for both functions

After each CLI step the state in moto is checked against the stage's settings and the template's
role documents (deploy_rehearsal.checks), and the database behind the functions is counted: no
deploy may store a hit.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from deploy_rehearsal import checks, moto_gaps
from deploy_rehearsal.api_gateway import LocalApiGateway
from deploy_rehearsal.checks import Check, check
from deploy_rehearsal.expectations import StageExpectations, load_stage
from deploy_rehearsal.local_lambda import FunctionError, LocalLambda
from deploy_rehearsal.moto_server import REGION, MotoServer
from deploy_rehearsal.rehearsal_settings import (
    fill_settings,
    local_environment,
    rebake,
    settings_module,
    write_settings,
)
from deploy_rehearsal.rehearsal_stack import RehearsalStack
from deploy_rehearsal.zappa_cli import CommandResult, run_command, zappa
from infra.fill_zappa_settings import stage_pair
from lambda_artifact.build import DEFAULT_VENV, REPO_ROOT

LAMBDA_PYTHON = DEFAULT_VENV / "bin" / "python"
# The §4 tasks in the admin function, each as the event its docs/deploy.md command sends:
# `zappa invoke <admin stage> webhook_site.lambda_tasks.<task>` -> {"command": ...},
# `zappa manage <admin stage> migrate` -> {"manage": "migrate"}.
SETUP_TASKS = (
    ("invoke bootstrap_db_users", {"command": "webhook_site.lambda_tasks.bootstrap_db_users"}),
    ("manage migrate", {"manage": "migrate"}),
    ("invoke create_superuser", {"command": "webhook_site.lambda_tasks.create_superuser"}),
    ("invoke migration_status", {"command": "webhook_site.lambda_tasks.migration_status"}),
)
CONTROL_PATH = "/rehearsal-control"


@dataclass
class Step:
    name: str
    seconds: float
    exit_code: int | None = None  # for CLI commands
    checks: list[Check] = field(default_factory=list)


@dataclass
class RehearsalReport:
    stages: list[str]
    steps: list[Step] = field(default_factory=list)
    seconds: float = 0.0
    moto_operations: dict[str, set[int]] = field(default_factory=dict)
    refused_egress: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)  # through the local API Gateway
    moto_gaps: list[str] = field(default_factory=list)
    cold_starts: int = 0

    @property
    def checks(self) -> list[Check]:
        return [result for step in self.steps for result in step.checks]

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.checks)


@dataclass
class Pieces:
    aws: MotoServer
    stack: RehearsalStack
    lambdas: LocalLambda
    gateway: LocalApiGateway


class Rehearsal:
    """The steps of one run, in docs/deploy.md's order; ``rehearse()`` starts and stops the pieces."""

    def __init__(self, pieces: Pieces, work_dir: Path) -> None:
        self.aws, self.stack, self.lambdas, self.gateway = (
            pieces.aws,
            pieces.stack,
            pieces.lambdas,
            pieces.gateway,
        )
        self.work_dir = work_dir
        # Every zappa command runs in this folder, which holds the settings files and nothing else:
        # never below an unpacked zip (ZAPPA_WALKS_CWD in deploy_rehearsal.expectations).
        self.cli_dir = work_dir / "cli"
        self.cli_dir.mkdir()
        self.settings_file = self.cli_dir / "zappa_settings.json"
        self.expected: dict[str, StageExpectations] = {}
        self.packages: dict[str, Path] = {}
        self.code_sha256: dict[str, str] = {}
        self.moto_gaps: list[str] = []

    def fill_settings(self, stages: list[str]) -> Step:
        """§2 with infra/fill_zappa_settings.py, into a copy in the work folder."""
        started = time.monotonic()
        committed_file = REPO_ROOT / "zappa_settings.json"

        def local(stage: str, filled: dict[str, str]) -> dict[str, str]:
            task_root = self.lambdas.task_root(load_stage(committed_file, stage).lambda_name)
            return local_environment(
                filled, self.stack.proxy.port, self.stack.certificates.ca_cert, task_root
            )

        filled = fill_settings(json.loads(committed_file.read_text()), self.stack.outputs, stages, local)
        write_settings(filled, self.settings_file)
        self.expected = {
            stage: StageExpectations.from_settings(self.settings_file, stage) for stage in stages
        }
        return Step("§2 fill zappa_settings.json (a copy in the work folder)", time.monotonic() - started)

    def package(self, stage: str, built_zip: Path) -> Step:
        """§3's build, for the filled settings: the built zip with its settings module rewritten."""
        started = time.monotonic()
        module = settings_module(self.settings_file, stage)
        self.packages[stage] = rebake(built_zip, module, self.work_dir / f"webhook-site-{stage}.zip")
        self.code_sha256[stage] = self.lambdas.register_code(self.packages[stage])
        return Step(f"§3 {stage}: the built zip with the filled settings module", time.monotonic() - started)

    def deploy(self, stage: str) -> Step:
        result, results = self.release("deploy", stage)
        if self.expected[stage].api_gateway:
            # The control: Zappa's default touch_path, on this first deploy (no database user yet).
            status = self.request(stage, "/").status_code
            results.append(
                check("control: GET / (Zappa's default touch) would fail this deploy", status >= 500, status)
            )
        self.note_gaps(moto_gaps.after_deploy(self.aws, self.expected[stage], self.stack.vpc_id))
        return self.cli_step(f"§3 {stage}: zappa deploy -z", result, results)

    def default_touch_control(self, stage: str) -> Step:
        """The bug this rehearsal guards against, reproduced with the real CLI: `zappa update` with
        Zappa's default touch_path ("/") before the database is set up exits 1 ("Status check ...
        failed") although the code was updated; with the stage's own touch_path the same moment passes.
        """
        settings = json.loads(self.settings_file.read_text())
        for config in settings.values():
            config.pop("touch_path", None)
        default_touch = write_settings(settings, self.cli_dir / "zappa_settings.default-touch.json")
        package = str(self.packages[stage])
        hits = self.stack.hit_count()
        result = self.cli(zappa("update", stage, default_touch, "-z", package))
        failed_as_expected = (
            not result.succeeded and "Status check on the deployed lambda failed" in result.output
        )
        return Step(
            f"control {stage}: zappa update with the default touch_path, before §4",
            result.seconds,
            result.exit_code,
            [
                check(
                    "exits non-zero: status check failed on GET /", failed_as_expected, result.output[-1500:]
                ),
                check("no hit stored (no database user yet)", self.stack.hit_count() == hits),
            ],
        )

    def bootstrap_window(self, window: str) -> Step:
        """§4's stack update BootstrapWindow=open|closed: the admin role's policies follow the template;
        only the admin role, and only while the window is open, may read the master secret."""
        started = time.monotonic()
        self.stack.set_bootstrap_window(window)
        results = [
            dataclasses.replace(result, name=f"{expected.stage}: {result.name}")
            for expected in self.expected.values()
            for result in checks.role_checks(
                self.aws, expected, self.stack.outputs, self.stack.role_policies(expected.role_arn)
            )
        ]
        iam = self.aws.client("iam")
        reads_master = {
            stage: self.stack.outputs["MasterUserSecretArn"]
            in checks.granted(checks.role_statements(iam, expected.role_arn), "secretsmanager:GetSecretValue")
            for stage, expected in self.expected.items()
        }
        wanted = {stage: window == "open" and e.kind == "Admin" for stage, e in self.expected.items()}
        results.append(
            check(
                "the master secret: the admin role may read it in the window only",
                reads_master == wanted,
                reads_master,
            )
        )
        return Step(
            f"§4 bootstrap window {window} (stack update BootstrapWindow={window})",
            time.monotonic() - started,
            checks=results,
        )

    def set_up_database(self, web: str, admin: str) -> Step:
        """§4's tasks in the admin function, each as the event the CLI sends; the control: the web
        function refuses them, naming the admin stage."""
        started = time.monotonic()
        results = []
        for name, event in SETUP_TASKS:
            try:
                answer = self.lambdas.invoke(self.expected[admin].function_name, event)
                passed = answer.get("up_to_date", True) if isinstance(answer, dict) else True
                results.append(check(f"{admin}: {name}", passed, answer))
            except FunctionError as error:
                results.append(check(f"{admin}: {name}", False, error))
        try:
            answer = self.lambdas.invoke(self.expected[web].function_name, {"manage": "migrate"})
            results.append(check(f"control {web}: manage migrate is refused", False, answer))
        except FunctionError as error:
            refused = "SchemaAdminElsewhere" in str(error) and f"zappa manage {admin} migrate" in str(error)
            results.append(check(f"control {web}: manage migrate is refused, naming {admin}", refused, error))
        return Step(
            f"§4 {admin}: bootstrap_db_users, migrate, create_superuser; {web} refuses them",
            time.monotonic() - started,
            checks=results,
        )

    def update(self, stage: str) -> Step:
        result, results = self.release("update", stage)
        if self.expected[stage].api_gateway:
            # The control: the same path does store a capture, so "no hit stored" above means something.
            before = self.stack.hit_count()
            status = self.request(stage, CONTROL_PATH).status_code
            after = self.stack.hit_count()
            results.append(
                check(
                    "control: a capture through the same path is stored",
                    (status, after) == (200, before + 1),
                    f"{status}, hits {before} -> {after}",
                )
            )
        return self.cli_step(f"§6 {stage}: zappa update -z", result, results)

    def status(self, stage: str) -> Step:
        expected = self.expected[stage]
        result = self.cli(zappa("status", stage, self.settings_file))
        shown = dict(re.findall(r"^\s+([^:\n]+):\s+(.*)$", result.output, re.MULTILINE))
        wanted = {"Lambda Name": expected.function_name, "Lambda Runtime": expected.runtime}
        if expected.api_gateway:
            api_id = checks.stack_api_id(self.aws, expected)
            wanted["API Gateway URL"] = f"https://{api_id}.execute-api.{REGION}.amazonaws.com/{stage}"
        if expected.keep_warm_expression:
            wanted["Event Rule Schedule"] = expected.keep_warm_expression
        results = [
            check(f"status shows {name}", shown.get(name) == value, shown.get(name))
            for name, value in wanted.items()
        ]
        return self.cli_step(f"§6 {stage}: zappa status", result, results)

    def undeploy(self, stage: str) -> Step:
        expected = self.expected[stage]
        function_arn = checks.deployed_function(self.aws, expected.function_name)["Configuration"][
            "FunctionArn"
        ]
        api_id = checks.stack_api_id(self.aws, expected) if expected.api_gateway else None
        result = self.cli(zappa("undeploy", stage, self.settings_file, "--yes"))
        self.note_gaps(moto_gaps.after_undeploy(self.aws, expected, api_id))
        return self.cli_step(
            f"§7 {stage}: zappa undeploy",
            result,
            checks.undeployed_checks(self.aws, expected, function_arn, api_id),
        )

    # --- helpers -----------------------------------------------------------------------------------

    def note_gaps(self, observed: list[str]) -> None:
        self.moto_gaps += [gap for gap in observed if gap not in self.moto_gaps]

    def cli(self, arguments: list[str], **extra_environment: str) -> CommandResult:
        environment = self.aws.client_environment() | self.gateway.client_environment() | extra_environment
        return run_command(arguments, environment, self.cli_dir)

    def deployed_checks(self, stage: str) -> list[Check]:
        expected, outputs = self.expected[stage], self.stack.outputs
        return [
            *checks.function_checks(self.aws, expected, self.code_sha256[stage], outputs),
            *checks.environment_checks(
                self.aws, expected, self.packages[stage], self.stack.secrets.values(), outputs
            ),
            *checks.role_checks(self.aws, expected, outputs, self.stack.role_policies(expected.role_arn)),
            *checks.api_checks(self.aws, expected, self.aws.requests()),
            *checks.schedule_checks(self.aws, expected),
        ]

    def release(self, subcommand: str, stage: str) -> tuple[CommandResult, list[Check]]:
        """`zappa deploy|update <stage> -z <zip>`; then what it created, the GET it sent to the touch
        path, and that no hit was stored."""
        touch_path = self.expected[stage].touch_path
        hits, seen = self.stack.hit_count(), len(self.gateway.forwarded)
        result = self.cli(zappa(subcommand, stage, self.settings_file, "-z", str(self.packages[stage])))
        sent = [(request.method, request.path, request.status) for request in self.gateway.forwarded[seen:]]
        results = self.deployed_checks(stage)
        results.append(
            check("no hit stored", self.stack.hit_count() == hits, f"{hits} -> {self.stack.hit_count()}")
        )
        if touch_path is not None:
            wanted = [("GET", f"/{stage}{touch_path}", 200)]
            results.append(check(f"touch: GET /{stage}{touch_path} answered 200", sent == wanted, sent))
        return result, results

    def request(self, stage: str, path: str) -> requests.Response:
        """A GET through the local API Gateway, as any client of the stage's URL sends it."""
        api_id = checks.stack_api_id(self.aws, self.expected[stage])
        return requests.get(
            f"https://{api_id}.execute-api.{REGION}.amazonaws.com/{stage}{path}",
            proxies={"https": self.gateway.proxy_url},
            verify=str(self.gateway.certificates.ca_cert),
            headers={"Accept": "application/json"},
            timeout=60,
        )

    def cli_step(self, name: str, result: CommandResult, results: list[Check]) -> Step:
        leaked = [value for value in self.stack.secrets.values() if value in result.output]
        command = result.label
        results = [
            check(f"{command} exited 0", result.succeeded, result.output[-3000:]),
            *results,
            check(f"{command} printed no secret value", not leaked, f"{len(leaked)} secret value(s)"),
        ]
        return Step(name, result.seconds, result.exit_code, results)


def rehearse(stage: str, built_zip: Path, work_dir: Path) -> RehearsalReport:
    """Rehearse ``stage`` and the other stage of its web/admin pair in ``work_dir`` (emptied first);
    the report says what passed."""
    for needed in (LAMBDA_PYTHON, built_zip):
        if not needed.exists():
            raise SystemExit(f"no {needed}: build the zip first (make lambda-package STAGE={stage})")
    web, admin = stage_pair(json.loads((REPO_ROOT / "zappa_settings.json").read_text()), stage)
    stages = [web, admin]
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    report = RehearsalReport(stages)
    started = time.monotonic()
    with running_pieces(web, work_dir) as pieces:
        rehearsal = Rehearsal(pieces, work_dir)
        report.steps.append(
            Step(
                "§1 stand-in stack: moto resources and roles, MariaDB, RDS Proxy stand-in",
                time.monotonic() - started,
            )
        )
        report.steps.append(rehearsal.fill_settings(stages))
        for each in stages:
            report.steps += [rehearsal.package(each, built_zip), rehearsal.deploy(each)]
            if rehearsal.expected[each].touch_path is not None:
                report.steps.append(rehearsal.default_touch_control(each))
        report.steps += [
            rehearsal.bootstrap_window("open"),
            rehearsal.set_up_database(web, admin),
            rehearsal.bootstrap_window("closed"),
        ]
        for action in (rehearsal.update, rehearsal.status, rehearsal.undeploy):
            report.steps += [action(each) for each in stages]
        report.steps.append(moto_step(pieces.aws))
        report.moto_operations = operations(pieces.aws)
        report.refused_egress = list(pieces.gateway.refused)
        report.failed_requests = list(pieces.gateway.failures)
        report.cold_starts = pieces.lambdas.cold_starts
        report.moto_gaps = rehearsal.moto_gaps
    report.seconds = time.monotonic() - started
    return report


@contextmanager
def running_pieces(stack_stage: str, work_dir: Path) -> Iterator[Pieces]:
    with ExitStack() as running:
        aws = running.enter_context(MotoServer(work_dir / "moto-requests.jsonl"))
        stack = running.enter_context(RehearsalStack(aws, stack_stage, work_dir))
        credentials = stack.role_credentials()
        lambdas = running.enter_context(LocalLambda(aws, LAMBDA_PYTHON, work_dir / "functions", credentials))
        gateway = LocalApiGateway.with_new_certificate(aws, lambdas, work_dir / "gateway-certificates")
        yield Pieces(aws, stack, lambdas, running.enter_context(gateway))


def operations(aws: MotoServer) -> dict[str, set[int]]:
    """Every kind of call moto answered during the run, with the statuses it answered."""
    seen: dict[str, set[int]] = {}
    for request in aws.requests():
        name = f"{request.service} {re.sub(r'/[a-z0-9]{10}(?=/|$)', '/{id}', request.operation)}"
        seen.setdefault(name, set()).add(request.status)
    return seen


def moto_step(aws: MotoServer) -> Step:
    failed = sorted({f"{r.service} {r.operation} -> {r.status}" for r in aws.requests() if r.status >= 500})
    return Step(
        "moto: every call answered without a server error",
        0.0,
        checks=[check("moto: no 5xx answer", not failed, failed)],
    )
