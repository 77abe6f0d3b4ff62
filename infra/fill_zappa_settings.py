"""Fill a web stage and its admin stage in zappa_settings.json from the outputs of their stack.

    aws cloudformation describe-stacks --stack-name webhook-site-dev | \\
        python infra/fill_zappa_settings.py dev --describe-stacks-json -
    python infra/fill_zappa_settings.py production        # asks CloudFormation itself (boto3)

One stack serves a web stage (e.g. production) and the admin stage it names in SCHEMA_ADMIN_STAGE
(production_admin); naming either fills both. Only the values the stack decides are written
(network, role, endpoints, ARNs, region); everything else in the stages, including environment
variables set by hand, is kept, except that the web stage loses any variable only the admin
function may carry (a file filled before the two functions were split held them).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

# Outputs of infra/webhook-site.yaml this script reads; tests check the template declares them all.
REQUIRED_OUTPUTS = (
    "Region",
    "ProxyEndpoint",
    "DatabaseEndpoint",
    "DatabaseName",
    "AppUserName",
    "AdminUserName",
    "AppUserSecretArn",
    "AdminUserSecretArn",
    "MasterUserSecretArn",
    "DjangoSecretKeyArn",
    "EndpointSecretKeysArn",
    "DjangoSuperuserSecretArn",
    "SubnetIds",
    "WebFunctionName",
    "AdminFunctionName",
    "WebSecurityGroupId",
    "AdminSecurityGroupId",
    "WebFunctionRoleArn",
    "AdminFunctionRoleArn",
)
MYSQL_PORT = 3306
ADMIN_STAGE_VARIABLE = "SCHEMA_ADMIN_STAGE"  # the web function refuses admin tasks (db_roles.admin_role)
# What only the admin function may hold: the admin login, and the bootstrap's secrets and instance.
ADMIN_ONLY_VARIABLES = (
    "DATABASE_ADMIN_URL",
    "RDS_MASTER_SECRET_ARN",
    "RDS_INSTANCE_HOST",
    "DATABASE_APP_SECRET_ARN",
    "DATABASE_ADMIN_SECRET_ARN",
    "DJANGO_SUPERUSER_SECRET_ARN",
    "DATABASE_MASTER_CA_BUNDLE",
)


class StackOutputsError(Exception):
    """The stack description, or the settings it is to fill, lack something this script needs."""


def default_stack_name(stage: str) -> str:
    return f"webhook-site-{stage}"


def outputs_from_describe_stacks(description: dict[str, Any]) -> dict[str, str]:
    """OutputKey -> OutputValue of the single stack in a describe-stacks response."""
    stacks = description.get("Stacks") or []
    if len(stacks) != 1:
        raise StackOutputsError(f"expected one stack in the describe-stacks response, got {len(stacks)}")
    outputs = {item["OutputKey"]: item["OutputValue"] for item in stacks[0].get("Outputs", [])}
    missing = [key for key in REQUIRED_OUTPUTS if key not in outputs]
    if missing:
        raise StackOutputsError(
            f"stack {stacks[0].get('StackName', '?')} has no output(s) {', '.join(missing)}: "
            "is it created from infra/webhook-site.yaml and in CREATE_COMPLETE/UPDATE_COMPLETE?"
        )
    return outputs


def cloudformation_client(region: str | None) -> Any:
    import boto3  # only this path talks to AWS; the stdin path works without credentials

    return boto3.client("cloudformation", region_name=region)


def describe_stack(stack_name: str, region: str | None) -> dict[str, Any]:
    return dict(cloudformation_client(region).describe_stacks(StackName=stack_name))


def _database_url(user: str, outputs: dict[str, str]) -> str:
    # mysql-iam: the app's django-environ scheme; no password, a token is minted per connection.
    return f"mysql-iam://{user}@{outputs['ProxyEndpoint']}:{MYSQL_PORT}/{outputs['DatabaseName']}"


def web_environment(outputs: dict[str, str]) -> dict[str, str]:
    """The web stage's variables whose values come from the stack: the app user, the Django key."""
    region = outputs["Region"]
    return {
        "DATABASE_URL": _database_url(outputs["AppUserName"], outputs),
        "DJANGO_SECRET_KEY_SECRET_ARN": outputs["DjangoSecretKeyArn"],
        "ENDPOINTS_SECRET_KEYS_SECRET_ARN": outputs["EndpointSecretKeysArn"],
        "DJANGO_ALLOWED_HOSTS": f".execute-api.{region}.amazonaws.com,.lambda-url.{region}.on.aws",
    }


def admin_environment(outputs: dict[str, str]) -> dict[str, str]:
    """The admin stage's: the admin user, the Django key, and what bootstrap_db_users and
    create_superuser read (the role may read the bootstrap secrets only while the window is open)."""
    return {
        "DATABASE_URL": _database_url(outputs["AdminUserName"], outputs),
        "DJANGO_SECRET_KEY_SECRET_ARN": outputs["DjangoSecretKeyArn"],
        # Named for the system check only (endpoints.E001); its role may not read it.
        "ENDPOINTS_SECRET_KEYS_SECRET_ARN": outputs["EndpointSecretKeysArn"],
        "RDS_MASTER_SECRET_ARN": outputs["MasterUserSecretArn"],
        "RDS_INSTANCE_HOST": outputs["DatabaseEndpoint"],
        "DATABASE_APP_SECRET_ARN": outputs["AppUserSecretArn"],
        "DATABASE_ADMIN_SECRET_ARN": outputs["AdminUserSecretArn"],
        "DJANGO_SUPERUSER_SECRET_ARN": outputs["DjangoSuperuserSecretArn"],
    }


def resolved_setting(settings: dict[str, Any], stage: str, key: str) -> Any:
    """A stage's value for ``key`` as Zappa resolves it, or None."""
    # Zappa's "extends" is a shallow per-key merge, so a stage's own key replaces the parent's whole.
    while stage:
        if key in settings[stage]:
            return settings[stage][key]
        stage = settings[stage].get("extends")
    return None


def stage_pair(settings: dict[str, Any], stage: str) -> tuple[str, str]:
    """(web stage, admin stage) of ``stage``, which may be either."""
    if stage not in settings:
        raise StackOutputsError(
            f"stage {stage!r} is not in zappa_settings.json (stages: {', '.join(settings)})"
        )
    admin = _environment(settings, stage).get(ADMIN_STAGE_VARIABLE)
    if admin:
        if admin not in settings:
            raise StackOutputsError(
                f"stage {stage!r} names admin stage {admin!r}, which zappa_settings.json lacks"
            )
        return stage, admin
    webs = [name for name in settings if _environment(settings, name).get(ADMIN_STAGE_VARIABLE) == stage]
    if len(webs) != 1:
        raise StackOutputsError(
            f"stage {stage!r} names no admin stage ({ADMIN_STAGE_VARIABLE}) and is the admin stage of "
            f"{len(webs)} stages, not 1"
        )
    return webs[0], stage


def _environment(settings: dict[str, Any], stage: str) -> dict[str, str]:
    return dict(resolved_setting(settings, stage, "environment_variables") or {})


def lambda_name(settings: dict[str, Any], stage: str) -> str:
    """The function's name as zappa 0.63 makes it: slugify(project_name + "-" + stage)."""
    name = f"{resolved_setting(settings, stage, 'project_name')}-{stage}"
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _filled(
    settings: dict[str, Any], stage: str, outputs: dict[str, str], kind: str, environment: dict[str, str]
) -> dict[str, Any]:
    """``stage``'s own settings with the stack's values for a function of ``kind`` (Web or Admin)."""
    function = outputs[f"{kind}FunctionName"]
    if lambda_name(settings, stage) != function:
        raise StackOutputsError(
            f"stage {stage!r} deploys {lambda_name(settings, stage)}, but the stack's {kind.lower()} role "
            f"is for {function}: create the stack with the web stage's name as its Stage parameter"
        )
    filled = {key: value for key, value in settings[stage].items() if key != "extra_permissions"}
    filled.update(
        aws_region=outputs["Region"],
        role_arn=outputs[f"{kind}FunctionRoleArn"],
        vpc_config={
            "SubnetIds": outputs["SubnetIds"].split(","),
            "SecurityGroupIds": [outputs[f"{kind}SecurityGroupId"]],
        },
        environment_variables=environment,
    )
    return filled


def fill_stage(settings: dict[str, Any], stage: str, outputs: dict[str, str]) -> dict[str, Any]:
    """A copy of `settings` with `stage` and the other stage of its pair carrying the stack's values."""
    web, admin = stage_pair(settings, stage)
    web_variables = {
        name: value for name, value in _environment(settings, web).items() if name not in ADMIN_ONLY_VARIABLES
    }
    filled: dict[str, Any] = json.loads(json.dumps(settings))
    filled[web] = _filled(settings, web, outputs, "Web", web_variables | web_environment(outputs))
    filled[admin] = _filled(
        settings, admin, outputs, "Admin", _environment(settings, admin) | admin_environment(outputs)
    )
    return filled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "stage",
        help="web stage in zappa_settings.json, e.g. dev or production (its admin stage is filled too)",
    )
    parser.add_argument("--stack-name", help="CloudFormation stack (default: webhook-site-<stage>)")
    parser.add_argument("--region", help="region of the stack, for the boto3 path (default: AWS config)")
    parser.add_argument(
        "--describe-stacks-json",
        metavar="FILE",
        help="read `aws cloudformation describe-stacks` output from FILE ('-' for stdin) instead of AWS",
    )
    parser.add_argument("--settings", default="zappa_settings.json", type=Path)
    args = parser.parse_args(argv)

    try:
        settings = json.loads(args.settings.read_text())
        web, admin = stage_pair(settings, args.stage)
        if args.describe_stacks_json == "-":
            description = json.load(sys.stdin)
        elif args.describe_stacks_json:
            description = json.loads(Path(args.describe_stacks_json).read_text())
        else:
            description = describe_stack(args.stack_name or default_stack_name(web), args.region)
        filled = fill_stage(settings, web, outputs_from_describe_stacks(description))
    except StackOutputsError as error:
        print(f"fill_zappa_settings: {error}", file=sys.stderr)
        return 1
    args.settings.write_text(json.dumps(filled, indent=4) + "\n")
    print(f"{args.settings}: stages {web!r} and {admin!r} filled from stack outputs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
