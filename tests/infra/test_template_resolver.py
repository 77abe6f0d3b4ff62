"""infra/template_resolver.py: CloudFormation's intrinsic functions, evaluated for stand-in values."""

from __future__ import annotations

from typing import Any

import pytest

from infra.template_resolver import StackValues, TemplateResolver, UnresolvedValue

TEMPLATE: dict[str, Any] = {
    "Parameters": {"Stage": {"Type": "String"}, "Window": {"Type": "String", "Default": "closed"}},
    "Conditions": {
        "WindowOpen": {"Fn::Equals": [{"Ref": "Window"}, "open"]},
        "WindowClosed": {"Fn::Not": [{"Condition": "WindowOpen"}]},
    },
    "Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"Policies": []}},
        "Extra": {
            "Type": "AWS::IAM::Policy",
            "Condition": "WindowOpen",
            "Properties": {
                "PolicyName": "extra",
                "Roles": [{"Ref": "Role"}],
                "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "x:Y", "Resource": "*"}]},
            },
        },
    },
}
VALUES = StackValues(
    region="eu-west-1",
    account_id="123456789012",
    stack_name="stack",
    parameters={"Stage": "production"},
    refs={"Subnet": "subnet-1"},
    attributes={"Proxy.DBProxyArn": "arn:aws:rds:eu-west-1:123456789012:db-proxy:prx-9"},
)


def resolve(node: Any, **parameters: str) -> Any:
    values = StackValues(**{**VALUES.__dict__, "parameters": {**VALUES.parameters, **parameters}})
    return TemplateResolver(TEMPLATE, values).resolve(node)


def test_refs_to_parameters_defaults_pseudo_parameters_and_resources() -> None:
    node = [{"Ref": "Stage"}, {"Ref": "Window"}, {"Ref": "AWS::AccountId"}, {"Ref": "Subnet"}]

    assert resolve(node) == ["production", "closed", "123456789012", "subnet-1"]


def test_sub_in_both_forms_with_attributes_and_literals() -> None:
    assert resolve({"Fn::Sub": "${AWS::Region}:${Stage}:${Proxy.DBProxyArn}:${!Kept}"}) == (
        "eu-west-1:production:arn:aws:rds:eu-west-1:123456789012:db-proxy:prx-9:${Kept}"
    )
    prx = {"Fn::Select": [6, {"Fn::Split": [":", {"Fn::GetAtt": ["Proxy", "DBProxyArn"]}]}]}
    assert resolve({"Fn::Sub": ["dbuser:${Id}/app", {"Id": prx}]}) == "dbuser:prx-9/app"


def test_join_and_the_dotted_get_att_form() -> None:
    assert resolve({"Fn::Join": [",", [{"Ref": "Subnet"}, {"Fn::GetAtt": "Proxy.DBProxyArn"}]]}) == (
        "subnet-1,arn:aws:rds:eu-west-1:123456789012:db-proxy:prx-9"
    )


def test_if_follows_the_condition_and_no_value_drops_the_item() -> None:
    node = [{"Fn::If": ["WindowOpen", "open-item", {"Ref": "AWS::NoValue"}]}, "kept"]

    assert resolve(node) == ["kept"]
    assert resolve(node, Window="open") == ["open-item", "kept"]


def test_policies_attached_to_a_role_count_only_when_their_condition_holds() -> None:
    closed = TemplateResolver(TEMPLATE, VALUES)
    opened = TemplateResolver(TEMPLATE, StackValues(**{**VALUES.__dict__, "parameters": {"Window": "open"}}))

    assert closed.role_policies("Role") == {}
    assert opened.role_policy("Role")["Statement"] == [{"Effect": "Allow", "Action": "x:Y", "Resource": "*"}]
    assert closed.condition("WindowClosed")
    assert not opened.condition("WindowClosed")


@pytest.mark.parametrize(
    ("node", "named"),
    [
        ({"Ref": "Nothing"}, "Ref Nothing"),
        ({"Fn::GetAtt": ["Proxy", "Endpoint"]}, "Proxy.Endpoint"),
        ({"Fn::FindInMap": ["M", "a", "b"]}, "Fn::FindInMap"),
    ],
)
def test_what_it_cannot_resolve_is_named(node: Any, named: str) -> None:
    with pytest.raises(UnresolvedValue, match=named):
        resolve(node)


def test_a_parameter_without_default_or_value_is_named() -> None:
    values = StackValues(region="r", account_id="a", stack_name="s")

    with pytest.raises(UnresolvedValue, match="parameter Stage"):
        TemplateResolver(TEMPLATE, values).resolve({"Ref": "Stage"})
