"""The first admin-site user, created from a secret so no password passes through a shell.

The stack generates the secret ({"username", "email", "password"}); `zappa invoke <stage>
webhook_site.lambda_tasks.create_superuser` creates the user from it, and the operator reads the
password once from Secrets Manager to sign in (then changes it in the admin).
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from db_roles.admin_role import refuse_in_web_stage
from db_roles.secrets import read_secret

SECRET_VARIABLE = "DJANGO_SUPERUSER_SECRET_ARN"  # noqa: S105 - the name of a variable, not a secret


def create_superuser_from_secret() -> dict[str, Any]:
    """Create the superuser if absent; an existing user is left untouched. Returns no secret."""
    refuse_in_web_stage("create_superuser")  # the web function's role may not read the secret
    secret_arn = os.environ.get(SECRET_VARIABLE)
    if not secret_arn:
        raise ImproperlyConfigured(
            f"set {SECRET_VARIABLE} to the secret holding username, email and password"
        )
    secret = read_secret(secret_arn)
    missing = {"username", "password"} - set(secret)
    if missing:
        raise ImproperlyConfigured(f"the superuser secret lacks {', '.join(sorted(missing))}")
    users = get_user_model().objects
    if users.filter(username=secret["username"]).exists():
        return {"created": False, "username": secret["username"], "note": "exists; left unchanged"}
    users.create_superuser(secret["username"], secret.get("email", ""), secret["password"])
    return {"created": True, "username": secret["username"]}
