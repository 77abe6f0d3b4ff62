"""The stand-in's rds-db:connect decision, as IAM evaluates an identity policy (pure, no server)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from local_rds_proxy import AwsCredential, TokenRejected
from local_rds_proxy.iam_policy import ConnectAuthorizer, IamPolicy, PolicyError, db_user_arn

ARN = "arn:aws:rds-db:eu-west-1:123456789012:dbuser:prx-0abc/webhook_app"


def policy(*statements: Mapping[str, object]) -> IamPolicy:
    return IamPolicy.from_json(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))


def allow(resource: object, action: object = "rds-db:connect") -> dict[str, object]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def test_the_exact_dbuser_arn_is_allowed_and_another_user_is_not() -> None:
    granted = policy(allow([ARN]))

    assert granted.allows("rds-db:connect", ARN)
    assert not granted.allows("rds-db:connect", ARN.replace("webhook_app", "webhook_admin"))
    assert not granted.allows("rds-db:connect", ARN.replace("prx-0abc", "prx-0def"))


def test_actions_match_case_insensitively_with_wildcards() -> None:
    assert policy(allow(ARN, "RDS-DB:Connect")).allows("rds-db:connect", ARN)
    assert policy(allow(ARN, "rds-db:*")).allows("rds-db:connect", ARN)
    assert policy(allow(ARN, "*")).allows("rds-db:connect", ARN)
    assert not policy(allow(ARN, "rds:*")).allows("rds-db:connect", ARN)


@pytest.mark.parametrize(
    ("pattern", "allowed"),
    [
        ("*", True),
        ("arn:aws:rds-db:eu-west-1:123456789012:dbuser:prx-0abc/*", True),
        ("arn:aws:rds-db:eu-west-1:123456789012:dbuser:*/webhook_app", True),
        ("arn:aws:rds-db:*:123456789012:dbuser:prx-0abc/webhook_ap?", True),
        # A * ending a segment runs across colons (IAM's rule): the rest of the ARN included.
        ("arn:aws:rds-db:eu-west-1:*", True),
        # A * inside a segment stays inside it.
        ("arn:aws:rds-db:eu-*-1:dbuser:prx-0abc/webhook_app", False),
        ("arn:aws:rds-db:eu-west-1:123456789012:dbuser:prx-0abc/webhook_admin", False),
        ("arn:aws:rds-db:eu-west-1:123456789012:dbuser:prx-0abc/WEBHOOK_APP", False),  # case-sensitive
    ],
)
def test_resource_wildcards_follow_iams_segment_rule(pattern: str, allowed: bool) -> None:
    assert policy(allow(pattern)).allows("rds-db:connect", ARN) is allowed


def test_an_explicit_deny_wins_and_no_statement_means_no() -> None:
    denied = {"Effect": "Deny", "Action": "rds-db:connect", "Resource": ARN}

    assert not policy(allow("*"), denied).allows("rds-db:connect", ARN)
    assert not policy(allow("*", "secretsmanager:GetSecretValue")).allows("rds-db:connect", ARN)


def test_not_action_and_not_resource_are_negations() -> None:
    everything_but_secrets = {"Effect": "Allow", "NotAction": "secretsmanager:*", "Resource": "*"}
    all_but_admin = {
        "Effect": "Allow",
        "Action": "rds-db:connect",
        "NotResource": "arn:aws:rds-db:*:*:dbuser:*/webhook_admin",
    }

    assert policy(everything_but_secrets).allows("rds-db:connect", ARN)
    assert policy(all_but_admin).allows("rds-db:connect", ARN)
    assert not policy(all_but_admin).allows("rds-db:connect", ARN.replace("_app", "_admin"))


def test_a_condition_on_a_connect_statement_is_refused_not_ignored() -> None:
    conditional = {**allow(ARN), "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
    unrelated = {**allow("*", "ec2:CreateNetworkInterface"), "Condition": {"StringEquals": {"a": "b"}}}

    with pytest.raises(PolicyError, match="Condition"):
        policy(conditional)
    assert policy(unrelated, allow(ARN)).allows("rds-db:connect", ARN)


@pytest.mark.parametrize(
    "document",
    ["not json", "[]", '{"Statement": [{"Effect": "Maybe", "Action": "x", "Resource": "y"}]}'],
)
def test_documents_it_cannot_read_are_refused(document: str) -> None:
    with pytest.raises(PolicyError):
        IamPolicy.from_json(document)


def test_the_authorizer_names_the_key_and_the_resource_it_refused() -> None:
    app_key = AwsCredential("AKIAAPP", "s", policy=json.dumps({"Statement": [allow(ARN)]}))
    unrestricted = AwsCredential("AKIAANY", "s")
    authorizer = ConnectAuthorizer([app_key, unrestricted], "eu-west-1", "123456789012", "prx-0abc")

    authorizer.check("AKIAAPP", "webhook_app")
    authorizer.check("AKIAANY", "webhook_admin")  # no policy configured: any user, as before
    with pytest.raises(TokenRejected) as refused:
        authorizer.check("AKIAAPP", "webhook_admin")
    assert refused.value.check == "not_authorized"
    assert db_user_arn("eu-west-1", "123456789012", "prx-0abc", "webhook_admin") in str(refused.value)


def test_policies_need_the_account_and_proxy_to_form_the_arn() -> None:
    with pytest.raises(PolicyError, match=r"account_id and iam\.proxy_resource_id"):
        ConnectAuthorizer([AwsCredential("K", "s", policy='{"Statement": []}')], "eu-west-1", None, None)
