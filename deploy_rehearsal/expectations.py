"""What a stage should look like once deployed, read from its settings by Zappa's own loader.

The checks compare AWS (moto) against these values, never against literals, so the admin stage
(its own role, no API Gateway, a long timeout) is checked by the same code as the web stage:
whatever its settings say is what must have been created.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from zappa.cli import ZappaCLI

from deploy_rehearsal.moto_server import FAKE_CREDENTIALS, REGION
from infra.fill_zappa_settings import stage_pair

# ZAPPA_WALKS_CWD: zappa 0.63 turns its WebSocket API on (a second API in the stack, a
# WEBSOCKET_HANDLER_MODULE in the settings module, execute-api:ManageConnections on the role) when any
# .py file under the current directory imports zappa.websocket (cli._detect_websocket_usage walks
# "." skipping only hidden folders, venv, env and node_modules) -- and Zappa's own handler.py does,
# so an unpacked Lambda zip anywhere below the working directory switches it on. The rehearsal runs
# Zappa only in folders that hold no unpacked zip, and checks that no WebSocket API was created.

# Zappa 0.63's defaults where a stage leaves a key out (zappa/cli.py: schedule(), touch_endpoint()).
DEFAULT_KEEP_WARM_EXPRESSION = "rate(4 minutes)"
DEFAULT_TOUCH_PATH = "/"


@dataclass(frozen=True)
class StageExpectations:
    stage: str
    function_name: str
    runtime: str
    handler: str
    memory_size: int
    timeout_seconds: int
    reserved_concurrency: int | None
    subnet_ids: frozenset[str]
    security_group_ids: frozenset[str]
    environment_names: frozenset[str]
    # "Web" or "Admin": which of the stack's two functions this stage deploys (the stack's outputs
    # name their roles and security groups <kind>FunctionRoleArn, <kind>SecurityGroupId).
    kind: str
    role_arn: str
    database_user: str  # DATABASE_URL's
    secret_arns: frozenset[str]  # the secrets the stage's environment names (*_SECRET_ARN)
    api_gateway: bool
    websocket: bool
    binary_support: bool
    keep_warm_expression: str | None
    # The stage's Zappa "events": (function path, schedule expression) each.
    scheduled_functions: frozenset[tuple[str, str]]
    touch_path: str | None  # None: the CLI touches nothing after deploy/update
    # The alias API Gateway invokes (zappa sets "snapstart" when the stage enables SnapStart), or None
    # for the unqualified function, i.e. $LATEST.
    lambda_qualifier: str | None
    snap_start: str  # "PublishedVersions" or "None", as Lambda's SnapStart.ApplyOn

    @classmethod
    def from_settings(cls, settings_file: Path, stage: str) -> StageExpectations:
        cli = load_stage(settings_file, stage)
        config = cli.stage_config
        _web, admin = stage_pair(json.loads(settings_file.read_text()), stage)
        environment = cli.environment_variables
        api_gateway = bool(cli.use_apigateway)
        if api_gateway and cli.apigateway_version != "v1":
            raise ValueError(f"stage {stage}: the rehearsal's API Gateway speaks REST API (v1) events only")
        return cls(
            stage=stage,
            function_name=cli.lambda_name,
            runtime=cli.runtime,
            handler=cli.lambda_handler,
            memory_size=cli.memory_size,
            timeout_seconds=cli.timeout_seconds,
            reserved_concurrency=cli.lambda_concurrency,
            subnet_ids=frozenset(cli.vpc_config.get("SubnetIds", [])),
            security_group_ids=frozenset(cli.vpc_config.get("SecurityGroupIds", [])),
            environment_names=frozenset(environment),
            kind="Admin" if stage == admin else "Web",
            role_arn=str(cli.desired_role_arn),
            database_user=str(urlsplit(environment["DATABASE_URL"]).username),
            secret_arns=frozenset(
                value for name, value in environment.items() if name.endswith("_SECRET_ARN")
            ),
            api_gateway=api_gateway,
            websocket=bool(cli.use_websocket),
            binary_support=bool(cli.binary_support),
            keep_warm_expression=config.get("keep_warm_expression", DEFAULT_KEEP_WARM_EXPRESSION)
            if config.get("keep_warm", True)
            else None,
            scheduled_functions=frozenset(
                (event["function"], event["expression"]) for event in config.get("events", [])
            ),
            touch_path=config.get("touch_path", DEFAULT_TOUCH_PATH)
            if api_gateway and config.get("touch", True)
            else None,
            lambda_qualifier=cli.apigateway_lambda_qualifier,
            snap_start=cli.snap_start or "None",
        )


def load_stage(settings_file: Path, stage: str) -> ZappaCLI:
    """The stage as the zappa CLI resolves it ("extends", defaults); builds clients, calls nothing.

    Loaded from an empty working directory (ZAPPA_WALKS_CWD above), so that only what the settings
    say decides whether the stage has a WebSocket API.
    """
    cli = ZappaCLI()
    cli.api_stage = stage
    session = boto3.session.Session(
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    with tempfile.TemporaryDirectory(prefix="zappa-settings-") as empty, contextlib.chdir(empty):
        cli.load_settings(settings_file=str(settings_file.resolve()), session=session)
    return cli
