"""Fill one stage of zappa_settings.json from the outputs of its CloudFormation stack.

    aws cloudformation describe-stacks --stack-name webhook-site-dev | \\
        python infra/fill_zappa_settings.py dev --describe-stacks-json -
    python infra/fill_zappa_settings.py production        # asks CloudFormation itself (boto3)

Only the values the stack decides are written (network, endpoints, ARNs, region); everything else
in the stage, including environment variables set by hand, is kept.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

# Outputs of infra/webhook-site.yaml this script reads; tests check the template declares them all.
REQUIRED_OUTPUTS = (
    "Region",
    "AccountId",
    "ProxyEndpoint",
    "ProxyResourceId",
    "DatabaseEndpoint",
    "DatabaseName",
    "AppUserName",
    "AdminUserName",
    "AppUserSecretArn",
    "AdminUserSecretArn",
    "MasterUserSecretArn",
    "DjangoSecretKeyArn",
    "DjangoSuperuserSecretArn",
    "SubnetIds",
    "LambdaSecurityGroupId",
)
MYSQL_PORT = 3306


class StackOutputsError(Exception):
    """The stack description lacks something this script needs."""


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
    return cloudformation_client(region).describe_stacks(StackName=stack_name)


def _database_url(user: str, outputs: dict[str, str]) -> str:
    # mysql-iam: the app's django-environ scheme; no password, a token is minted per connection.
    return f"mysql-iam://{user}@{outputs['ProxyEndpoint']}:{MYSQL_PORT}/{outputs['DatabaseName']}"


def _db_user_arn(user: str, outputs: dict[str, str]) -> str:
    # rds-db (not rds) and the proxy's prx- id: the token is checked by the proxy, not the instance.
    return (
        f"arn:aws:rds-db:{outputs['Region']}:{outputs['AccountId']}:dbuser:"
        f"{outputs['ProxyResourceId']}/{user}"
    )


def stack_environment(outputs: dict[str, str]) -> dict[str, str]:
    """The environment variables whose values come from the stack."""
    region = outputs["Region"]
    return {
        "DATABASE_URL": _database_url(outputs["AppUserName"], outputs),
        "DATABASE_ADMIN_URL": _database_url(outputs["AdminUserName"], outputs),
        "DJANGO_SECRET_KEY_SECRET_ARN": outputs["DjangoSecretKeyArn"],
        # Read only by bootstrap_db_users and create_superuser, and only while the stack's bootstrap
        # window grants the function access to these secrets.
        "RDS_MASTER_SECRET_ARN": outputs["MasterUserSecretArn"],
        "RDS_INSTANCE_HOST": outputs["DatabaseEndpoint"],
        "DATABASE_APP_SECRET_ARN": outputs["AppUserSecretArn"],
        "DATABASE_ADMIN_SECRET_ARN": outputs["AdminUserSecretArn"],
        "DJANGO_SUPERUSER_SECRET_ARN": outputs["DjangoSuperuserSecretArn"],
        "DJANGO_ALLOWED_HOSTS": f".execute-api.{region}.amazonaws.com,.lambda-url.{region}.on.aws",
    }


def stack_permissions(outputs: dict[str, str]) -> list[dict[str, Any]]:
    """extra_permissions: log in through the proxy as the two DB users, read the Django key."""
    return [
        {
            "Effect": "Allow",
            "Action": ["rds-db:connect"],
            "Resource": [
                _db_user_arn(outputs["AppUserName"], outputs),
                _db_user_arn(outputs["AdminUserName"], outputs),
            ],
        },
        {
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [outputs["DjangoSecretKeyArn"]],
        },
    ]


def resolved_setting(settings: dict[str, Any], stage: str, key: str) -> Any:
    """A stage's value for ``key`` as Zappa resolves it, or None."""
    # Zappa's "extends" is a shallow per-key merge, so a stage's own key replaces the parent's whole.
    while stage:
        if key in settings[stage]:
            return settings[stage][key]
        stage = settings[stage].get("extends")
    return None


def fill_stage(settings: dict[str, Any], stage: str, outputs: dict[str, str]) -> dict[str, Any]:
    """A copy of `settings` with `stage` carrying the stack's values."""
    if stage not in settings:
        known = ", ".join(settings)
        raise StackOutputsError(f"stage {stage!r} is not in zappa_settings.json (stages: {known})")
    filled = json.loads(json.dumps(settings))
    environment = dict(resolved_setting(settings, stage, "environment_variables") or {})
    environment.update(stack_environment(outputs))
    filled[stage].update(
        aws_region=outputs["Region"],
        vpc_config={
            "SubnetIds": outputs["SubnetIds"].split(","),
            "SecurityGroupIds": [outputs["LambdaSecurityGroupId"]],
        },
        environment_variables=environment,
        extra_permissions=stack_permissions(outputs),
    )
    return filled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stage", help="stage in zappa_settings.json, e.g. dev or production")
    parser.add_argument("--stack-name", help="CloudFormation stack (default: webhook-site-<stage>)")
    parser.add_argument("--region", help="region of the stack, for the boto3 path (default: AWS config)")
    parser.add_argument(
        "--describe-stacks-json",
        metavar="FILE",
        help="read `aws cloudformation describe-stacks` output from FILE ('-' for stdin) instead of AWS",
    )
    parser.add_argument("--settings", default="zappa_settings.json", type=Path)
    args = parser.parse_args(argv)

    if args.describe_stacks_json == "-":
        description = json.load(sys.stdin)
    elif args.describe_stacks_json:
        description = json.loads(Path(args.describe_stacks_json).read_text())
    else:
        description = describe_stack(args.stack_name or default_stack_name(args.stage), args.region)

    try:
        outputs = outputs_from_describe_stacks(description)
        settings = json.loads(args.settings.read_text())
        filled = fill_stage(settings, args.stage, outputs)
    except StackOutputsError as error:
        print(f"fill_zappa_settings: {error}", file=sys.stderr)
        return 1
    args.settings.write_text(json.dumps(filled, indent=4) + "\n")
    print(f"{args.settings}: stage {args.stage!r} filled from stack outputs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
