"""The pure parts of the rehearsal's checks: policies and the templates the CLI uploaded."""

from __future__ import annotations

import json

from deploy_rehearsal.checks import granted, templates_sent, unscoped_writes
from deploy_rehearsal.moto_server import LoggedRequest

CONNECT = {"Effect": "Allow", "Action": ["rds-db:connect"], "Resource": ["arn:db/app", "arn:db/admin"]}


def test_write_actions_on_every_resource_are_found_and_reads_are_not() -> None:
    statements = [
        CONNECT,
        {"Effect": "Allow", "Action": ["ec2:DescribeSubnets", "ec2:CreateNetworkInterface"], "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:*", "Resource": ["*"]},
    ]

    assert unscoped_writes(statements) == ["ec2:CreateNetworkInterface", "s3:*"]


def test_granted_lists_the_resources_of_allowing_statements_only() -> None:
    denied = {**CONNECT, "Effect": "Deny", "Resource": "arn:db/other"}

    assert granted([CONNECT, denied], "rds-db:connect") == {"arn:db/app", "arn:db/admin"}


def test_templates_are_read_from_the_uploads_of_that_stack() -> None:
    websocket = {"Resources": {"WsApi": {"Type": "AWS::ApiGatewayV2::Api"}}}
    requests = [
        LoggedRequest(
            "s3", "PUT", "/bucket/other-template-1.json", "", "", 200, json.dumps({"Resources": {}})
        ),
        LoggedRequest(
            "s3", "PUT", "/bucket/app-production-template-2.json", "", "", 200, json.dumps(websocket)
        ),
    ]

    assert templates_sent(requests, "app-production") == [websocket]
