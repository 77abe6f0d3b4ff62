"""Key properties of infra/webhook-site.yaml, read from the parsed template."""

from __future__ import annotations

from typing import Any

import pytest

from infra.fill_zappa_settings import REQUIRED_OUTPUTS
from tests.infra.conftest import parameter_default

MYSQL_PORT = 3306
HTTPS_PORT = 443
FUNCTION_GROUPS = {"WebFunctionSecurityGroup", "AdminFunctionSecurityGroup"}
CHAIN_GROUPS = FUNCTION_GROUPS | {"ProxySecurityGroup", "DatabaseSecurityGroup"}
PROXY_METRICS_ALARMED = {
    "ClientConnections",
    "DatabaseConnectionsBorrowLatency",
    "DatabaseConnectionsCurrentlySessionPinned",
}


def _of_type(resources: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {name: body for name, body in resources.items() if body["Type"] == resource_type}


def _referenced_group(value: Any) -> str | None:
    return value.get("Ref") if isinstance(value, dict) else None


def _security_group_rules(resources: dict[str, Any]) -> list[tuple[str | None, str, dict[str, Any]]]:
    """(owning group, direction, rule) for inline rules and standalone rule resources alike."""
    rules: list[tuple[str | None, str, dict[str, Any]]] = []
    for name, body in _of_type(resources, "AWS::EC2::SecurityGroup").items():
        for direction in ("SecurityGroupIngress", "SecurityGroupEgress"):
            rules += [(name, direction, rule) for rule in body["Properties"].get(direction, [])]
    for kind, direction in (("Ingress", "SecurityGroupIngress"), ("Egress", "SecurityGroupEgress")):
        for body in _of_type(resources, f"AWS::EC2::SecurityGroup{kind}").values():
            rules.append((_referenced_group(body["Properties"]["GroupId"]), direction, body["Properties"]))
    return rules


def _is_no_op_egress(rule: dict[str, Any]) -> bool:
    return rule.get("CidrIp") == "127.0.0.1/32"


def test_proxy_requires_iam_auth_for_both_db_user_secrets(resources):
    auths = resources["Proxy"]["Properties"]["Auth"]

    assert {auth["SecretArn"]["Ref"] for auth in auths} == {"AppUserSecret", "AdminUserSecret"}
    assert all(auth["IAMAuth"] == "REQUIRED" and auth["AuthScheme"] == "SECRETS" for auth in auths)


def test_proxy_requires_tls(resources):
    assert resources["Proxy"]["Properties"]["RequireTLS"] is True


def test_proxy_is_mysql_family(resources):
    assert resources["Proxy"]["Properties"]["EngineFamily"] == "MYSQL"


def test_db_user_secrets_fix_the_user_names(resources):
    templates = {
        name: resources[name]["Properties"]["GenerateSecretString"]["SecretStringTemplate"]
        for name in ("AppUserSecret", "AdminUserSecret")
    }

    assert templates == {
        "AppUserSecret": '{"username": "webhook_app"}',
        "AdminUserSecret": '{"username": "webhook_admin"}',
    }


def test_proxy_role_reads_only_the_two_db_user_secrets(resources):
    statements = [
        statement
        for policy in resources["ProxyRole"]["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]

    assert statements == [
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": [{"Ref": "AppUserSecret"}, {"Ref": "AdminUserSecret"}],
        }
    ]


def test_idle_client_timeout_outlasts_conn_max_age_of_every_stage(resources, zappa_settings):
    idle_client_timeout = resources["Proxy"]["Properties"]["IdleClientTimeout"]

    for stage in zappa_settings.values():
        conn_max_age = int(stage.get("environment_variables", {}).get("DATABASE_CONN_MAX_AGE", 600))
        assert idle_client_timeout > conn_max_age


def test_borrow_timeout_fails_well_inside_the_lambda_timeout(template, resources, zappa_settings):
    pool = resources["ProxyTargetGroup"]["Properties"]["ConnectionPoolConfigurationInfo"]
    borrow_timeout = parameter_default(template, pool["ConnectionBorrowTimeout"])

    assert 5 <= borrow_timeout <= 10
    assert borrow_timeout < zappa_settings["dev"]["timeout_seconds"] / 2  # the web stages' timeout


def test_reserved_concurrency_fits_the_proxy_share_of_max_connections(template, resources, zappa_settings):
    pool = resources["ProxyTargetGroup"]["Properties"]["ConnectionPoolConfigurationInfo"]
    max_connections = parameter_default(
        template, resources["DatabaseParameterGroup"]["Properties"]["Parameters"]["max_connections"]
    )
    proxy_share = max_connections * parameter_default(template, pool["MaxConnectionsPercent"]) // 100

    for stage in zappa_settings.values():
        assert stage.get("lambda_concurrency", zappa_settings["dev"]["lambda_concurrency"]) < proxy_share


def _peer(rule: dict[str, Any]) -> str | None:
    return _referenced_group(rule.get("SourceSecurityGroupId") or rule.get("DestinationSecurityGroupId"))


def _rule(rule: dict[str, Any]) -> tuple[str, int, int, str | None]:
    return (rule["IpProtocol"], rule["FromPort"], rule["ToPort"], _peer(rule))


def _rules_of(resources: dict[str, Any], group: str, direction: str, window: bool = False) -> set[Any]:
    """The group's real rules in one direction (no-op rules left out); ``window``: with the bootstrap
    window's conditional rules."""
    conditional = [
        body["Properties"] for body in resources.values() if body.get("Condition") == "BootstrapWindowOpen"
    ]
    return {
        _rule(rule)
        for owner, rule_direction, rule in _security_group_rules(resources)
        if owner == group
        and rule_direction == direction
        and not _is_no_op_egress(rule)
        and (window or not any(rule is properties for properties in conditional))
    }


def test_lambda_proxy_database_chain_is_mysql_only(resources):
    chain_rules = [
        rule
        for group, _direction, rule in _security_group_rules(resources)
        if group in CHAIN_GROUPS and _peer(rule) in CHAIN_GROUPS
    ]

    assert len(chain_rules) >= 4
    assert {(rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) for rule in chain_rules} == {
        ("tcp", MYSQL_PORT, MYSQL_PORT)
    }


def test_proxy_and_database_groups_have_no_other_rules(resources):
    for group, _direction, rule in _security_group_rules(resources):
        if group in {"ProxySecurityGroup", "DatabaseSecurityGroup"}:
            assert _is_no_op_egress(rule) or _peer(rule) in CHAIN_GROUPS | {"EndpointSecurityGroup"}


def test_the_proxy_reaches_the_database_and_the_secrets_manager_endpoint_only(resources):
    assert _rules_of(resources, "ProxySecurityGroup", "SecurityGroupEgress", window=True) == {
        ("tcp", MYSQL_PORT, MYSQL_PORT, "DatabaseSecurityGroup"),
        ("tcp", HTTPS_PORT, HTTPS_PORT, "EndpointSecurityGroup"),
    }


def test_the_endpoint_admits_the_functions_and_the_proxy_on_443_only(resources):
    assert _rules_of(resources, "EndpointSecurityGroup", "SecurityGroupIngress", window=True) == {
        ("tcp", HTTPS_PORT, HTTPS_PORT, group) for group in FUNCTION_GROUPS | {"ProxySecurityGroup"}
    }


def test_every_group_replaces_the_default_allow_all_egress(resources):
    # EC2 gives a group created without inline egress rules an allow-all egress rule, which separate
    # AWS::EC2::SecurityGroupEgress resources only add to; an inline rule is what removes it.
    for name, body in _of_type(resources, "AWS::EC2::SecurityGroup").items():
        assert body["Properties"].get("SecurityGroupEgress"), name


def test_no_group_egresses_to_any_address(resources):
    egress = [rule for _group, direction, rule in _security_group_rules(resources) if "Egress" in direction]

    assert egress
    assert all(rule.get("CidrIp") in (None, "127.0.0.1/32") and "CidrIpv6" not in rule for rule in egress)


def test_no_group_accepts_traffic_from_an_address_range(resources):
    ingress = [rule for _group, direction, rule in _security_group_rules(resources) if "Ingress" in direction]

    assert ingress
    assert all("CidrIp" not in rule and "CidrIpv6" not in rule for rule in ingress)


@pytest.mark.parametrize("group", sorted(FUNCTION_GROUPS))
def test_functions_reach_the_proxy_and_the_secrets_manager_endpoint_only(resources, group):
    assert _rules_of(resources, group, "SecurityGroupEgress") == {
        ("tcp", MYSQL_PORT, MYSQL_PORT, "ProxySecurityGroup"),
        ("tcp", HTTPS_PORT, HTTPS_PORT, "EndpointSecurityGroup"),
    }


def test_only_the_admin_function_reaches_the_database_and_only_in_the_bootstrap_window(resources):
    direct = [
        name
        for name, body in resources.items()
        if body["Type"].startswith("AWS::EC2::SecurityGroup")
        and "DatabaseSecurityGroup"
        in {
            _referenced_group(body["Properties"].get("GroupId")),
            _peer(body["Properties"]),
        }
        and {_referenced_group(body["Properties"].get("GroupId")), _peer(body["Properties"])}
        & (FUNCTION_GROUPS | {"EndpointSecurityGroup"})
    ]

    assert len(direct) == 2
    assert all(resources[name].get("Condition") == "BootstrapWindowOpen" for name in direct)
    assert _rules_of(resources, "WebFunctionSecurityGroup", "SecurityGroupEgress", window=True) == (
        _rules_of(resources, "WebFunctionSecurityGroup", "SecurityGroupEgress")
    )
    assert ("tcp", MYSQL_PORT, MYSQL_PORT, "DatabaseSecurityGroup") in _rules_of(
        resources, "AdminFunctionSecurityGroup", "SecurityGroupEgress", window=True
    )


def test_database_storage_is_encrypted_and_backed_up(resources):
    database = resources["Database"]["Properties"]

    assert database["StorageEncrypted"] is True
    assert database["BackupRetentionPeriod"] == {"Ref": "BackupRetentionDays"}
    assert resources["Database"]["DeletionPolicy"] == "Snapshot"


def test_deletion_protection_is_a_parameter_defaulting_on(template, resources):
    deletion_protection = resources["Database"]["Properties"]["DeletionProtection"]

    assert deletion_protection == {"Ref": "DeletionProtection"}
    assert parameter_default(template, deletion_protection) == "true"


def test_rds_holds_the_master_password(resources):
    database = resources["Database"]["Properties"]

    assert database["ManageMasterUserPassword"] is True
    assert "MasterUserPassword" not in database


def test_database_is_private_mysql_8_0(template, resources):
    database = resources["Database"]["Properties"]

    assert database["Engine"] == "mysql"
    assert parameter_default(template, database["EngineVersion"]).startswith("8.0.")
    assert database["PubliclyAccessible"] is False


def test_parameter_group_gives_sessions_what_the_app_never_sets(resources):
    parameters = resources["DatabaseParameterGroup"]["Properties"]["Parameters"]

    assert parameters["transaction_isolation"] == "READ-COMMITTED"
    assert parameters["character_set_server"] == "utf8mb4"
    assert parameters["collation_server"].startswith("utf8mb4_")


def test_alarms_watch_the_proxy_metrics(resources):
    alarmed = set()
    for alarm in _of_type(resources, "AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        if "MetricName" in properties:
            assert properties["Dimensions"] == [{"Name": "ProxyName", "Value": {"Ref": "Proxy"}}]
            alarmed.add(properties["MetricName"])
        for query in properties.get("Metrics", []):
            if "MetricStat" in query:
                alarmed.add(query["MetricStat"]["Metric"]["MetricName"])

    assert alarmed >= PROXY_METRICS_ALARMED | {"DatabaseConnections"}


def test_pinned_sessions_alarm_fires_on_any_sustained_pin(resources):
    alarm = resources["PinnedSessionsAlarm"]["Properties"]

    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["EvaluationPeriods"] * alarm["Period"] >= 600


def test_the_only_vpc_endpoint_is_secrets_manager(resources):
    # No S3 gateway endpoint: nothing at run time reads S3 (zappa 0.63 does only for slim_handler and
    # remote_env, neither configured; tests/infra/test_zappa_settings.py), and its default policy
    # would let anything in the VPC write to any bucket.
    services = {
        body["Properties"]["ServiceName"]["Fn::Sub"]: body["Properties"]["VpcEndpointType"]
        for body in _of_type(resources, "AWS::EC2::VPCEndpoint").values()
    }

    assert services == {"com.amazonaws.${AWS::Region}.secretsmanager": "Interface"}


def test_the_endpoint_serves_only_reads_of_this_stacks_secrets_by_this_account(resources):
    (statement,) = resources["SecretsManagerEndpoint"]["Properties"]["PolicyDocument"]["Statement"]
    secrets = set(_of_type(resources, "AWS::SecretsManager::Secret"))

    assert (statement["Effect"], statement["Action"]) == ("Allow", "secretsmanager:GetSecretValue")
    assert {item["Ref"] for item in statement["Resource"] if "Ref" in item} == secrets
    assert {"Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]} in statement["Resource"]
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}}


def test_vpc_has_no_internet_path(resources):
    internet_types = {
        "AWS::EC2::InternetGateway",
        "AWS::EC2::NatGateway",
        "AWS::EC2::EgressOnlyInternetGateway",
    }

    assert not [body for body in resources.values() if body["Type"] in internet_types]


def test_subnets_sit_in_two_availability_zones(resources):
    subnets = ("PrivateSubnetA", "PrivateSubnetB")
    zones = [resources[name]["Properties"]["AvailabilityZone"] for name in subnets]

    assert [zone["Fn::Select"][0] for zone in zones] == [0, 1]


def test_outputs_cover_what_the_fill_script_reads(template):
    assert set(REQUIRED_OUTPUTS) <= set(template["Outputs"])


def test_proxy_resource_id_output_picks_the_prx_field_of_the_arn(template):
    select = template["Outputs"]["ProxyResourceId"]["Value"]["Fn::Select"]
    index, (separator, _arn) = select[0], select[1]["Fn::Split"]
    example_arn = "arn:aws:rds:eu-west-1:123456789012:db-proxy:prx-0123456789abcdef0"

    assert example_arn.split(separator)[index] == "prx-0123456789abcdef0"
