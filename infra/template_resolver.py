"""infra/webhook-site.yaml's values for a stack that exists only as stand-ins, without CloudFormation.

The template owns the functions' IAM policy documents. Tests and the deploy rehearsal need those very
documents with concrete ARNs: the RDS Proxy stand-in decides logins by them, moto stores them on the
roles the rehearsal deploys with. So instead of copying them anywhere, this module evaluates the
template's intrinsic functions for given stand-in values: Ref (parameters, resources, pseudo
parameters), Fn::Sub, Fn::GetAtt, Fn::Select, Fn::Split, Fn::Join, Fn::If, and the conditions
(Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition). Anything else raises, naming what it met.

    resolver = TemplateResolver(load_template(), StackValues(..., refs={"Proxy": ...}, attributes=...))
    resolver.role_policy("WebFunctionRole")     # every statement the role's policies grant
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfn_tools import load_yaml

TEMPLATE_PATH = Path(__file__).with_name("webhook-site.yaml")
_NO_VALUE = object()  # Ref AWS::NoValue: the property or list item is left out
_SUB_VARIABLE = re.compile(r"\$\{(!?)([^}]+)\}")


class UnresolvedValue(LookupError):
    """The template needs a value the stand-in stack did not provide, or a function not evaluated here."""


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template with its short-form tags (!Ref, !Sub, ...) as their long forms, via cfn-flip."""
    return dict(load_yaml(path.read_text()))


@dataclass(frozen=True)
class StackValues:
    """What CloudFormation would know about the stack: pseudo parameters, parameter values (defaults
    fill the rest), each resource's Ref (physical id) and its Fn::GetAtt attributes ("Logical.Attr")."""

    region: str
    account_id: str
    stack_name: str
    parameters: dict[str, str] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    partition: str = "aws"

    def pseudo_parameters(self) -> dict[str, str]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": "amazonaws.com",
        }


class TemplateResolver:
    def __init__(self, template: dict[str, Any], values: StackValues) -> None:
        self.template = template
        self.values = values

    # -- values -----------------------------------------------------------------------------------

    def resolve(self, node: Any) -> Any:
        """``node`` with every intrinsic function evaluated."""
        if isinstance(node, list):
            return [item for item in (self.resolve(item) for item in node) if item is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((name, argument),) = node.items()
            if name == "Ref":
                return self.ref(argument)
            if name.startswith("Fn::"):
                return self._function(name, argument)
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not _NO_VALUE}

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        pseudo = self.values.pseudo_parameters()
        if name in pseudo:
            return pseudo[name]
        if name in self.template.get("Parameters", {}):
            if name in self.values.parameters:
                return self.values.parameters[name]
            if "Default" in self.template["Parameters"][name]:
                return str(self.template["Parameters"][name]["Default"])
            raise UnresolvedValue(f"parameter {name} has no default: give it in StackValues.parameters")
        if name in self.values.refs:
            return self.values.refs[name]
        raise UnresolvedValue(f"no stand-in value for Ref {name}: give it in StackValues.refs")

    def get_att(self, logical_id: str, attribute: str) -> str:
        key = f"{logical_id}.{attribute}"
        if key not in self.values.attributes:
            raise UnresolvedValue(
                f"no stand-in value for Fn::GetAtt {key}: give it in StackValues.attributes"
            )
        return self.values.attributes[key]

    def _function(self, name: str, argument: Any) -> Any:
        if name == "Fn::GetAtt":
            logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
            return self.get_att(logical_id, self.resolve(attribute))
        if name == "Fn::Sub":
            return self._sub(argument)
        if name == "Fn::Select":
            index, items = self.resolve(argument)
            return items[int(index)]
        if name == "Fn::Split":
            separator, text = self.resolve(argument)
            return text.split(separator)
        if name == "Fn::Join":
            separator, items = self.resolve(argument)
            return separator.join(items)
        if name == "Fn::If":
            condition, if_true, if_false = argument
            return self.resolve(if_true if self.condition(condition) else if_false)
        if name in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"):
            return self._boolean(name, argument)
        raise UnresolvedValue(f"{name} is not evaluated by infra/template_resolver.py")

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        local = {name: self.resolve(value) for name, value in variables.items()}

        def value(match: re.Match[str]) -> str:
            literal, name = match.groups()
            if literal:  # ${!Name} is the text ${Name}
                return "${" + name + "}"
            if name in local:
                return str(local[name])
            if "." in name:
                return self.get_att(*name.split(".", 1))
            return str(self.ref(name))

        return _SUB_VARIABLE.sub(value, text)

    # -- conditions -------------------------------------------------------------------------------

    def condition(self, name: str) -> bool:
        """The value of the template's condition ``name`` for these parameter values."""
        return self._boolean_value(self.template["Conditions"][name])

    def _boolean(self, name: str, argument: Any) -> bool:
        if name == "Condition":
            return self.condition(argument)
        if name == "Fn::Equals":
            left, right = self.resolve(argument)
            return str(left) == str(right)
        if name == "Fn::Not":
            return not self._boolean_value(argument[0])
        values = [self._boolean_value(item) for item in argument]
        return all(values) if name == "Fn::And" else any(values)

    def _boolean_value(self, node: Any) -> bool:
        ((name, argument),) = node.items()
        return self._boolean(name, argument)

    def exists(self, logical_id: str) -> bool:
        """Whether the resource is created for these parameter values (its Condition, if any)."""
        condition = self.template["Resources"][logical_id].get("Condition")
        return condition is None or self.condition(condition)

    # -- IAM roles --------------------------------------------------------------------------------

    def role_policies(self, role_id: str) -> dict[str, dict[str, Any]]:
        """PolicyName -> document of every policy the role holds: its inline Policies and each existing
        AWS::IAM::Policy that names it in Roles."""
        resources = self.template["Resources"]
        inline = self.resolve(resources[role_id]["Properties"].get("Policies", []))
        policies = {policy["PolicyName"]: policy["PolicyDocument"] for policy in inline}
        for logical_id, body in resources.items():
            if body["Type"] != "AWS::IAM::Policy" or not self.exists(logical_id):
                continue
            properties = body["Properties"]
            if {"Ref": role_id} in properties.get("Roles", []):
                policies[self.resolve(properties["PolicyName"])] = self.resolve(properties["PolicyDocument"])
        return policies

    def role_policy(self, role_id: str) -> dict[str, Any]:
        """One document holding every statement the role's policies grant (IAM evaluates their union)."""
        statements = [
            statement
            for document in self.role_policies(role_id).values()
            for statement in as_list(document["Statement"])
        ]
        return {"Version": "2012-10-17", "Statement": statements}

    def trust_policy(self, role_id: str) -> dict[str, Any]:
        properties = self.template["Resources"][role_id]["Properties"]
        return dict(self.resolve(properties["AssumeRolePolicyDocument"]))


def as_list(value: Any) -> list[Any]:
    """A policy field that may be one value or a list of them (IAM allows both), as a list."""
    return value if isinstance(value, list) else [value]
