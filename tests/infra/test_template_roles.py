"""The functions' execution roles in infra/webhook-site.yaml, resolved for a made-up stack
(tests/template_stack.py): each may do only what its code does."""

from __future__ import annotations

from typing import Any

import pytest

from tests.template_stack import ACCOUNT_ID, PROXY_RESOURCE_ID, STAGE, stand_in_values, template_resolver

REGION = "eu-west-1"
ROLES = ("WebFunctionRole", "AdminFunctionRole")
WINDOWS = ("closed", "open")
# Verbs of actions that only read (the Service Authorization Reference's List and Read levels, by name).
READ_VERBS = ("Describe", "Get", "List")


def statements(role: str, window: str = "closed") -> list[dict[str, Any]]:
    return list(template_resolver(REGION, window).role_policy(role)["Statement"])


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def granted(role: str, action: str, window: str = "closed") -> set[str]:
    return {
        resource
        for statement in statements(role, window)
        if statement["Effect"] == "Allow" and action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    }


def refs(window: str = "closed") -> dict[str, str]:
    return stand_in_values(REGION, window).refs


@pytest.mark.parametrize("role", ROLES)
def test_only_lambda_may_assume_the_role(role: str) -> None:
    assert template_resolver(REGION).trust_policy(role)["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize(
    ("role", "user"), [("WebFunctionRole", "webhook_app"), ("AdminFunctionRole", "webhook_admin")]
)
def test_each_role_connects_through_this_proxy_as_its_one_user(role: str, user: str, window: str) -> None:
    assert granted(role, "rds-db:connect", window) == {
        f"arn:aws:rds-db:{REGION}:{ACCOUNT_ID}:dbuser:{PROXY_RESOURCE_ID}/{user}"
    }


def test_the_web_role_reads_the_django_key_and_the_endpoint_keys_only_whatever_the_window() -> None:
    for window in WINDOWS:
        assert granted("WebFunctionRole", "secretsmanager:GetSecretValue", window) == {
            refs()["DjangoSecretKeySecret"],
            refs()["EndpointSecretKeysSecret"],
        }


def test_the_admin_role_reads_the_bootstrap_secrets_only_while_the_window_is_open() -> None:
    standing = {refs()["DjangoSecretKeySecret"], refs()["DjangoSuperuserSecret"]}
    bootstrap = {
        refs()["AppUserSecret"],
        refs()["AdminUserSecret"],
        stand_in_values(REGION).attributes["Database.MasterUserSecret.SecretArn"],
    }

    assert granted("AdminFunctionRole", "secretsmanager:GetSecretValue", "closed") == standing
    assert granted("AdminFunctionRole", "secretsmanager:GetSecretValue", "open") == standing | bootstrap


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("role", ROLES)
def test_no_write_action_reaches_beyond_this_account_and_region(role: str, window: str) -> None:
    for statement in statements(role, window):
        writes = [a for a in as_list(statement["Action"]) if not a.split(":")[1].startswith(READ_VERBS)]
        if writes:
            for resource in as_list(statement["Resource"]):
                assert resource != "*", writes
                assert resource.split(":")[3:5] == [REGION, ACCOUNT_ID], (writes, resource)
        assert "*" not in "".join(as_list(statement["Action"])), statement


@pytest.mark.parametrize(
    ("role", "function", "group"),
    [
        ("WebFunctionRole", f"webhook-site-{STAGE}", "WebFunctionSecurityGroup"),
        ("AdminFunctionRole", f"webhook-site-{STAGE}-admin", "AdminFunctionSecurityGroup"),
    ],
)
def test_each_role_writes_its_own_logs_and_makes_interfaces_with_its_own_group(
    role: str, function: str, group: str
) -> None:
    log_group = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/aws/lambda/{function}"
    ec2 = f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}"

    assert granted(role, "logs:PutLogEvents") == {log_group, f"{log_group}:*"}
    assert granted(role, "ec2:CreateNetworkInterface") == {
        f"{ec2}:network-interface/*",
        f"{ec2}:subnet/{refs()['PrivateSubnetA']}",
        f"{ec2}:subnet/{refs()['PrivateSubnetB']}",
        f"{ec2}:security-group/{refs()[group]}",
    }
    assert granted(role, "ec2:DeleteNetworkInterface") == {f"{ec2}:network-interface/*"}


@pytest.mark.parametrize("role", ROLES)
def test_nothing_beyond_logs_network_interfaces_the_database_and_secrets(role: str) -> None:
    services = {a.split(":")[0] for s in statements(role, "open") for a in as_list(s["Action"])}

    assert services == {"logs", "ec2", "rds-db", "secretsmanager"}
