"""The stage's CloudFormation stack (docs/deploy.md §1), stood in for: its resources in moto, its
database on this machine, and its outputs in the shape infra/fill_zappa_settings.py reads.

The rehearsal does not run infra/webhook-site.yaml itself: its RDS instance and proxy would be
records in moto with nothing behind them. It makes what Zappa and the functions depend on instead:
the VPC with two private subnets and the two functions' security groups (vpc_config), the RDS Proxy
record (its prx- id goes into the rds-db:connect ARNs), the five secrets with the names and shapes the
template gives them, the two execution roles with the template's own trust and inline policies
(resolved for these resources' ids by infra.template_resolver), and a database -- the local stack
(local_stack: MariaDB, here over TLS, behind the RDS Proxy stand-in), which logs in with the
passwords held in those secrets, as RDS Proxy does, and lets each role's keys in only as the users
that role's policy allows, as IAM would.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy_rehearsal.moto_server import REGION, MotoServer
from infra.template_resolver import StackValues, TemplateResolver, load_template
from local_rds_proxy import AwsCredential, CertificatePaths, RunningProxy
from local_stack import ADMIN_USER, APP_USER, MASTER_USER, LocalStack
from local_stack import DATABASE as DATABASE_NAME

# Each execution role's keys, as Lambda hands them to the functions running with that role; the
# stand-in checks IAM tokens signed with them against the role's policy.
ROLE_KEYS = {
    "WebFunctionRole": ("AKIAREHEARSALWEBROLE", "rehearsal-web-role-secret-access-key"),
    "AdminFunctionRole": ("AKIAREHEARSALADMINRL", "rehearsal-admin-role-secret-access-key"),
}
WINDOW_ROLE = "AdminFunctionRole"  # the role the bootstrap window (BootstrapWindow=open) widens
LOCAL_HOST = "127.0.0.1"


@dataclass(frozen=True)
class StackSecrets:
    """Every secret value the stack holds: none of them may show up in anything the CLI deploys."""

    django_secret_key: str
    app_password: str
    admin_password: str
    master_password: str
    superuser_password: str
    endpoint_secret_keys: str

    @classmethod
    def generate(cls) -> StackSecrets:
        # The template's lengths (GenerateSecretString PasswordLength): 64, 40, 40, RDS's own, 32, 64.
        return cls(*(secrets.token_urlsafe(length) for length in (48, 30, 30, 24, 24, 48)))

    def values(self) -> list[str]:
        return list(self.__dict__.values())


@dataclass
class RehearsalStack:
    """The stand-in stack for one stage, with its database running; a context manager."""

    aws: MotoServer
    stage: str
    work_dir: Path

    def __post_init__(self) -> None:
        self.name = f"webhook-site-{self.stage}"
        self.secrets = StackSecrets.generate()
        self.outputs: dict[str, str] = {}
        self.vpc_id = ""
        self.window = "closed"
        self.role_arns: dict[str, str] = {}  # logical id -> ARN

    def __enter__(self) -> RehearsalStack:
        self.local = LocalStack(
            self.work_dir / "database",
            passwords={
                APP_USER: self.secrets.app_password,
                ADMIN_USER: self.secrets.admin_password,
                MASTER_USER: self.secrets.master_password,
            },
        )
        certificates = self.local.certificates
        self.database = self.local.start_database(
            extra_options=[  # TLS, so bootstrap_db_users can verify the "instance" as it does on RDS
                f"--ssl-ca={certificates.ca_cert}",
                f"--ssl-cert={certificates.server_cert}",
                f"--ssl-key={certificates.server_key}",
            ],
        )
        try:
            self.outputs = self._create_aws_resources()
            self.proxy = self._start_proxy()
        except BaseException:
            self.database.destroy()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.proxy.stop()
        self.database.destroy()

    @property
    def certificates(self) -> CertificatePaths:
        return self.local.certificates

    def _start_proxy(self) -> RunningProxy:
        """The stand-in with each role's keys limited by the role's policy, as IAM limits them."""
        return self.local.start_stand_in(
            credentials=[
                AwsCredential(*ROLE_KEYS[role], policy=json.dumps(self.resolver().role_policy(role)))
                for role in ROLE_KEYS
            ],
            account_id=self.outputs["AccountId"],
            proxy_resource_id=self.outputs["ProxyResourceId"],
        )

    def _create_aws_resources(self) -> dict[str, str]:
        ec2 = self.aws.client("ec2")
        vpc = self.vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")[
                "Subnet"
            ]["SubnetId"]
            for index, zone in enumerate("ab", start=1)
        ]
        groups = {
            kind: ec2.create_security_group(
                GroupName=f"{self.name}-{kind.lower()}-function", Description=f"{kind} function", VpcId=vpc
            )["GroupId"]
            for kind in ("Web", "Admin")
        }
        secret_arns = self._create_secrets()
        proxy_arn = self.aws.client("rds").create_db_proxy(
            DBProxyName=f"{self.name}-proxy",
            EngineFamily="MYSQL",
            Auth=[{"SecretArn": secret_arns[user], "IAMAuth": "REQUIRED"} for user in (APP_USER, ADMIN_USER)],
            RoleArn=f"arn:aws:iam::{self.account_id()}:role/{self.name}-proxy",
            VpcSubnetIds=subnets,
            VpcSecurityGroupIds=list(groups.values()),
            RequireTLS=True,
        )["DBProxy"]["DBProxyArn"]
        self.values = StackValues(
            region=REGION,
            account_id=self.account_id(),
            stack_name=self.name,
            parameters={"Stage": self.stage},
            refs={
                "PrivateSubnetA": subnets[0],
                "PrivateSubnetB": subnets[1],
                "WebFunctionSecurityGroup": groups["Web"],
                "AdminFunctionSecurityGroup": groups["Admin"],
                "DjangoSecretKeySecret": secret_arns["django/secret-key"],
                "EndpointSecretKeysSecret": secret_arns["endpoints/secret-keys"],
                "DjangoSuperuserSecret": secret_arns["django/superuser"],
                "AppUserSecret": secret_arns[APP_USER],
                "AdminUserSecret": secret_arns[ADMIN_USER],
            },
            attributes={
                "Proxy.DBProxyArn": proxy_arn,
                "Database.MasterUserSecret.SecretArn": secret_arns[MASTER_USER],
            },
        )
        self.role_arns = {role: self._create_role(role) for role in ROLE_KEYS}
        template_outputs = self.resolver().template["Outputs"]
        return {
            "Region": REGION,
            "AccountId": self.account_id(),
            # The stand-in instead of the proxy's endpoint; fill_zappa_settings writes port 3306 into
            # the database URLs, which the rehearsal's settings then point at the stand-in's port.
            "ProxyEndpoint": LOCAL_HOST,
            "ProxyResourceId": proxy_arn.split(":")[6],  # as the template's output: !Select [6, !Split]
            "DatabaseEndpoint": f"{LOCAL_HOST}:{self.database.port}",
            "DatabaseName": DATABASE_NAME,
            "AppUserName": APP_USER,
            "AdminUserName": ADMIN_USER,
            "AppUserSecretArn": secret_arns[APP_USER],
            "AdminUserSecretArn": secret_arns[ADMIN_USER],
            "MasterUserSecretArn": secret_arns[MASTER_USER],
            "DjangoSecretKeyArn": secret_arns["django/secret-key"],
            "EndpointSecretKeysArn": secret_arns["endpoints/secret-keys"],
            "DjangoSuperuserSecretArn": secret_arns["django/superuser"],
            "SubnetIds": ",".join(subnets),
            **{
                name: self.resolver().resolve(template_outputs[name]["Value"])
                for name in ("WebFunctionName", "AdminFunctionName")
            },
            "WebSecurityGroupId": groups["Web"],
            "AdminSecurityGroupId": groups["Admin"],
            "WebFunctionRoleArn": self.role_arns["WebFunctionRole"],
            "AdminFunctionRoleArn": self.role_arns["AdminFunctionRole"],
        }

    def resolver(self, window: str | None = None) -> TemplateResolver:
        """The template for this stack's resources, with the bootstrap window as it is (or ``window``)."""
        parameters = {**self.values.parameters, "BootstrapWindow": window or self.window}
        return TemplateResolver(
            load_template(), StackValues(**{**self.values.__dict__, "parameters": parameters})
        )

    def _create_role(self, role: str) -> str:
        """The role as CloudFormation would create it from the template: trust and inline policies."""
        iam = self.aws.client("iam")
        name = f"{self.name}-{role}"  # CloudFormation adds a random suffix; the rehearsal needs none
        arn = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(self.resolver().trust_policy(role))
        )["Role"]["Arn"]
        for policy_name, document in self.resolver().role_policies(role).items():
            iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document))
        return str(arn)

    def set_bootstrap_window(self, window: str) -> None:
        """A stack update with BootstrapWindow=open|closed: the admin role's policies follow the template."""
        iam = self.aws.client("iam")
        name = f"{self.name}-{WINDOW_ROLE}"
        wanted = self.resolver(window).role_policies(WINDOW_ROLE)
        for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            if policy_name not in wanted:
                iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
        for policy_name, document in wanted.items():
            iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document))
        self.window = window

    def role_policies(self, role_arn: str) -> dict[str, dict[str, Any]]:
        """What the template gives the role with this ARN, for the window as it is now."""
        roles = [logical for logical, arn in self.role_arns.items() if arn == role_arn]
        return self.resolver().role_policies(roles[0]) if roles else {}

    def _create_secrets(self) -> dict[str, str]:
        """The template's secrets, same names and JSON shapes; returns their ARNs by short name."""
        values = {
            APP_USER: (
                f"{self.name}/db/{APP_USER}",
                {"username": APP_USER, "password": self.secrets.app_password},
            ),
            ADMIN_USER: (
                f"{self.name}/db/{ADMIN_USER}",
                {"username": ADMIN_USER, "password": self.secrets.admin_password},
            ),
            MASTER_USER: (  # RDS names the master secret it manages itself
                f"rds!db-{self.name}",
                {"username": MASTER_USER, "password": self.secrets.master_password},
            ),
            "django/secret-key": (f"{self.name}/django/secret-key", self.secrets.django_secret_key),
            "endpoints/secret-keys": (
                f"{self.name}/endpoints/secret-keys",
                self.secrets.endpoint_secret_keys,
            ),
            "django/superuser": (
                f"{self.name}/django/superuser",
                {
                    "username": "admin",
                    "email": "admin@example.com",
                    "password": self.secrets.superuser_password,
                },
            ),
        }
        client = self.aws.client("secretsmanager")
        return {
            short: client.create_secret(
                Name=name, SecretString=value if isinstance(value, str) else json.dumps(value)
            )["ARN"]
            for short, (name, value) in values.items()
        }

    def account_id(self) -> str:
        return str(self.aws.client("sts").get_caller_identity()["Account"])

    def hit_count(self) -> int:
        """Hits stored so far, read as root around the proxy and the app (0 before migrations)."""
        rows = self.database.query(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (DATABASE_NAME, "hits_hit"),
        )
        if not rows[0][0]:
            return 0
        return int(self.database.query(f"SELECT COUNT(*) FROM {DATABASE_NAME}.hits_hit")[0][0])  # noqa: S608

    def role_credentials(self) -> dict[str, dict[str, str]]:
        """Role ARN -> the keys a function running with that role finds in its environment."""
        return {
            self.role_arns[role]: {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}
            for role, (key, secret) in ROLE_KEYS.items()
        }
