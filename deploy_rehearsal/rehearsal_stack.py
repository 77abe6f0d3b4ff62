"""The stage's CloudFormation stack (docs/deploy.md §1), stood in for: its resources in moto, its
database on this machine, and its outputs in the shape infra/fill_zappa_settings.py reads.

The rehearsal does not run infra/webhook-site.yaml itself: its RDS instance and proxy would be
records in moto with nothing behind them. It makes what Zappa and the function depend on instead:
the VPC with two private subnets and the Lambda security group (vpc_config), the RDS Proxy record
(its prx- id goes into the rds-db:connect ARNs), the five secrets with the names and shapes the
template gives them, and a database -- MariaDB over TLS behind the RDS Proxy stand-in, which logs in
with the passwords held in those secrets, as RDS Proxy does.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy_rehearsal.moto_server import REGION, MotoServer
from local_mariadb import MariaDBServer
from local_rds_proxy import AwsCredential, ProxyConfig, ProxyServer, RunningProxy, make_test_certificates

DATABASE_NAME = "webhook_site"
APP_USER, ADMIN_USER, MASTER_USER = "webhook_app", "webhook_admin", "rehearsal_master"
# The function's AWS identity as the stand-in knows it: the stand-in checks IAM tokens signed with it.
FUNCTION_CREDENTIAL = AwsCredential("AKIAREHEARSALLAMBDA1", "rehearsal-function-secret-access-key")
LOCAL_HOST = "127.0.0.1"


@dataclass(frozen=True)
class StackSecrets:
    """Every secret value the stack holds: none of them may show up in anything the CLI deploys."""

    django_secret_key: str
    app_password: str
    admin_password: str
    master_password: str
    superuser_password: str

    @classmethod
    def generate(cls) -> StackSecrets:
        # The template's lengths (GenerateSecretString PasswordLength): 64, 40, 40, RDS's own, 32.
        return cls(*(secrets.token_urlsafe(length) for length in (48, 30, 30, 24, 24)))

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

    def __enter__(self) -> RehearsalStack:
        self.certificates = make_test_certificates(self.work_dir / "database-certificates")
        self.database = MariaDBServer(
            base_dir=self.work_dir / "mariadb",
            extra_options=[  # TLS, so bootstrap_db_users can verify the "instance" as it does on RDS
                f"--ssl-ca={self.certificates.ca_cert}",
                f"--ssl-cert={self.certificates.server_cert}",
                f"--ssl-key={self.certificates.server_key}",
            ],
        ).start()
        self.database.create_user(MASTER_USER, self.secrets.master_password, grant_option=True)
        self.proxy = self._start_proxy()
        self.outputs = self._create_aws_resources()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.proxy.stop()
        self.database.destroy()

    def _start_proxy(self) -> RunningProxy:
        config = ProxyConfig(
            tls_cert=self.certificates.server_cert,
            tls_key=self.certificates.server_key,
            backend_port=self.database.port,
            secrets={APP_USER: self.secrets.app_password, ADMIN_USER: self.secrets.admin_password},
            credentials=[FUNCTION_CREDENTIAL],
            region=REGION,
            stats_log_interval_seconds=0,
        )
        return ProxyServer(config).start_in_thread()

    def _create_aws_resources(self) -> dict[str, str]:
        ec2 = self.aws.client("ec2")
        vpc = self.vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")[
                "Subnet"
            ]["SubnetId"]
            for index, zone in enumerate("ab", start=1)
        ]
        lambda_group = ec2.create_security_group(
            GroupName=f"{self.name}-lambda", Description="Lambda function to RDS Proxy", VpcId=vpc
        )["GroupId"]
        secret_arns = self._create_secrets()
        proxy_arn = self.aws.client("rds").create_db_proxy(
            DBProxyName=f"{self.name}-proxy",
            EngineFamily="MYSQL",
            Auth=[{"SecretArn": secret_arns[user], "IAMAuth": "REQUIRED"} for user in (APP_USER, ADMIN_USER)],
            RoleArn=f"arn:aws:iam::{self.account_id()}:role/{self.name}-proxy",
            VpcSubnetIds=subnets,
            VpcSecurityGroupIds=[lambda_group],
            RequireTLS=True,
        )["DBProxy"]["DBProxyArn"]
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
            "DjangoSuperuserSecretArn": secret_arns["django/superuser"],
            "SubnetIds": ",".join(subnets),
            "LambdaSecurityGroupId": lambda_group,
        }

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

    def function_environment(self) -> dict[str, Any]:
        """The credentials the deployed function signs its IAM tokens (and moto calls) with."""
        return {
            "AWS_ACCESS_KEY_ID": FUNCTION_CREDENTIAL.access_key_id,
            "AWS_SECRET_ACCESS_KEY": FUNCTION_CREDENTIAL.secret_access_key,
        }
