"""Who may connect as which database user, decided as IAM decides it for RDS Proxy.

RDS Proxy lets a token in only if the principal that signed it is allowed ``rds-db:connect`` on the
user's resource ``arn:aws:rds-db:<region>:<account>:dbuser:<prx-id>/<user>``
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html).
The stand-in knows a credential's principal by the identity policy configured with its access key,
and evaluates it like IAM's identity-policy logic: an explicit Deny wins, else any Allow grants,
else nothing does (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).

Wildcards as IAM matches them: in actions, case-insensitively, ``*`` any run and ``?`` one character;
in resources, case-sensitively, within a colon-separated ARN segment, except that a ``*`` ending a
segment may run across colons (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).

Not evaluated, so refused when a statement could concern ``rds-db:connect``: ``Condition`` (the
stand-in has no request context to test it against) and ``Principal`` (identity policies have none).
A credential configured without a policy may connect as any user, as before policies existed here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from local_rds_proxy.iam_token import AuthFailure, AwsCredential, TokenRejected

CONNECT_ACTION = "rds-db:connect"
ALLOW, DENY = "Allow", "Deny"
UNEVALUATED_KEYS = ("Condition", "Principal", "NotPrincipal")


class PolicyError(ValueError):
    """The policy document is not one the stand-in can evaluate faithfully."""


def db_user_arn(region: str, account_id: str, proxy_resource_id: str, user: str) -> str:
    """The resource a token for ``user`` at this proxy needs rds-db:connect on."""
    return f"arn:aws:rds-db:{region}:{account_id}:dbuser:{proxy_resource_id}/{user}"


def action_pattern(pattern: str) -> re.Pattern[str]:
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile(regex, re.IGNORECASE)


def resource_pattern(pattern: str) -> re.Pattern[str]:
    parts = []
    for index, char in enumerate(pattern):
        if char == "*":
            ends_segment = index + 1 == len(pattern) or pattern[index + 1] == ":"
            parts.append(".*" if ends_segment else "[^:]*")
        elif char == "?":
            parts.append("[^:]")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts))


def _strings(statement: dict[str, Any], key: str) -> tuple[str, ...]:
    value = statement.get(key, ())
    values = (value,) if isinstance(value, str) else tuple(value)
    if not all(isinstance(item, str) for item in values):
        raise PolicyError(f"{key} must be a string or a list of strings")
    return values


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[re.Pattern[str], ...]
    actions_negated: bool  # NotAction
    resources: tuple[re.Pattern[str], ...]
    resources_negated: bool  # NotResource

    @classmethod
    def parse(cls, statement: Any) -> Statement:
        if not isinstance(statement, dict) or statement.get("Effect") not in (ALLOW, DENY):
            raise PolicyError(f"a statement needs Effect Allow or Deny: {statement!r}")
        action_key = "NotAction" if "NotAction" in statement else "Action"
        resource_key = "NotResource" if "NotResource" in statement else "Resource"
        parsed = cls(
            statement["Effect"],
            tuple(action_pattern(item) for item in _strings(statement, action_key)),
            action_key == "NotAction",
            tuple(resource_pattern(item) for item in _strings(statement, resource_key)),
            resource_key == "NotResource",
        )
        unevaluated = [key for key in UNEVALUATED_KEYS if key in statement]
        if unevaluated and parsed.covers_action(CONNECT_ACTION):
            raise PolicyError(
                f"a statement about {CONNECT_ACTION} has {', '.join(unevaluated)}, "
                "which the stand-in cannot evaluate"
            )
        return parsed

    def covers_action(self, action: str) -> bool:
        return any(pattern.fullmatch(action) for pattern in self.actions) != self.actions_negated

    def covers(self, action: str, resource: str) -> bool:
        in_resources = any(pattern.fullmatch(resource) for pattern in self.resources)
        return self.covers_action(action) and in_resources != self.resources_negated


@dataclass(frozen=True)
class IamPolicy:
    """The statements of one or more identity policy documents, evaluated together."""

    statements: tuple[Statement, ...]

    @classmethod
    def from_json(cls, text: str) -> IamPolicy:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise PolicyError(f"not a JSON policy document: {error}") from error
        if not isinstance(document, dict) or "Statement" not in document:
            raise PolicyError('a policy document is a JSON object with a "Statement"')
        statements = document["Statement"]
        if isinstance(statements, dict):
            statements = [statements]
        return cls(tuple(Statement.parse(statement) for statement in statements))

    def allows(self, action: str, resource: str) -> bool:
        effects = {statement.effect for statement in self.statements if statement.covers(action, resource)}
        return ALLOW in effects and DENY not in effects


class ConnectAuthorizer:
    """Refuses a verified token whose signing credential's policy does not allow connecting as its user."""

    def __init__(
        self,
        credentials: Iterable[AwsCredential],
        region: str,
        account_id: str | None,
        proxy_resource_id: str | None,
    ) -> None:
        self._policies = {
            credential.access_key_id: IamPolicy.from_json(credential.policy)
            for credential in credentials
            if credential.policy is not None
        }
        if self._policies and not (account_id and proxy_resource_id):
            raise PolicyError("credentials with a policy need iam.account_id and iam.proxy_resource_id")
        self._region = region
        self._account_id = account_id or ""
        self._proxy_resource_id = proxy_resource_id or ""

    def check(self, access_key_id: str, user: str) -> None:
        """Raise TokenRejected(NOT_AUTHORIZED) when the key's policy grants no connect as ``user``."""
        policy = self._policies.get(access_key_id)
        if policy is None:
            return
        resource = db_user_arn(self._region, self._account_id, self._proxy_resource_id, user)
        if not policy.allows(CONNECT_ACTION, resource):
            raise TokenRejected(
                AuthFailure.NOT_AUTHORIZED,
                f"the policy of access key {access_key_id} does not allow {CONNECT_ACTION} on {resource}",
            )
