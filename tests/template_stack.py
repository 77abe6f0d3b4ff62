"""infra/webhook-site.yaml resolved for a stack of made-up ids, for tests that need its own documents.

The role policies the tests check, and those the RDS Proxy stand-in decides logins by, come from the
template itself (infra.template_resolver), never from a copy; only the ids below are invented.
"""

from __future__ import annotations

import json
from typing import Any

from infra.template_resolver import StackValues, TemplateResolver, load_template
from local_rds_proxy import AwsCredential

ACCOUNT_ID = "123456789012"
PROXY_RESOURCE_ID = "prx-0123456789abcdef0"
STAGE = "production"


def secret_arn(region: str, name: str) -> str:
    return f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:webhook-site-{STAGE}/{name}-AbCdEf"


def stand_in_values(region: str, window: str = "closed") -> StackValues:
    """Every Ref and Fn::GetAtt the template's IAM documents use, with made-up physical ids."""
    return StackValues(
        region=region,
        account_id=ACCOUNT_ID,
        stack_name=f"webhook-site-{STAGE}",
        parameters={"Stage": STAGE, "BootstrapWindow": window},
        refs={
            "PrivateSubnetA": "subnet-0aaaaaaaaaaaaaaaa",
            "PrivateSubnetB": "subnet-0bbbbbbbbbbbbbbbb",
            "WebFunctionSecurityGroup": "sg-0web00000000000000",
            "AdminFunctionSecurityGroup": "sg-0admin000000000000",
            "DjangoSecretKeySecret": secret_arn(region, "django/secret-key"),
            "EndpointSecretKeysSecret": secret_arn(region, "endpoints/secret-keys"),
            "DjangoSuperuserSecret": secret_arn(region, "django/superuser"),
            "AppUserSecret": secret_arn(region, "db/webhook_app"),
            "AdminUserSecret": secret_arn(region, "db/webhook_admin"),
        },
        attributes={
            "Proxy.DBProxyArn": f"arn:aws:rds:{region}:{ACCOUNT_ID}:db-proxy:{PROXY_RESOURCE_ID}",
            "Database.MasterUserSecret.SecretArn": (
                f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:rds!db-0123-AbCdEf"
            ),
        },
    )


def template_resolver(region: str, window: str = "closed") -> TemplateResolver:
    return TemplateResolver(load_template(), stand_in_values(region, window))


# The functions' role credentials as the stand-in knows them: each key carries its role's policy, as
# resolved from the template for the stand-in's region.
ROLE_KEYS = {
    "WebFunctionRole": ("AKIAWEBFUNCTIONROLE1", "web-function-role-secret-access-key"),
    "AdminFunctionRole": ("AKIAADMINFUNCTIONRL1", "admin-function-role-secret-access-key"),
}


def role_credential(role: str, region: str, window: str = "closed") -> AwsCredential:
    policy = template_resolver(region, window).role_policy(role)
    return AwsCredential(*ROLE_KEYS[role], policy=json.dumps(policy))


def stand_in_iam(region: str) -> dict[str, Any]:
    """ProxyConfig settings that make the stand-in decide logins by the template's role policies."""
    return {
        "credentials": [role_credential(role, region) for role in ROLE_KEYS],
        "account_id": ACCOUNT_ID,
        "proxy_resource_id": PROXY_RESOURCE_ID,
    }
