"""The first admin-site user, created from a secret so no password passes through a shell.

The stack generates the secret ({"username", "email", "password"}); `zappa invoke <stage>
webhook_site.lambda_tasks.create_superuser` creates the user from it, and the operator reads the
password once from Secrets Manager to sign in (then changes it in the admin). `make stack` creates
its local admin the same way, from a password file (local_stack).
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from db_roles.admin_role import refuse_in_web_stage
from site_platform.aws import read_secret_json

SECRET_VARIABLE = "DJANGO_SUPERUSER_SECRET_ARN"  # noqa: S105 - the name of a variable, not a secret


def create_superuser_from_secret() -> dict[str, Any]:
    """Create the superuser if absent; an existing user is left untouched. Returns no secret."""
    refuse_in_web_stage("create_superuser")  # the web function's role may not read the secret
    secret_arn = os.environ.get(SECRET_VARIABLE)
    if not secret_arn:
        raise ImproperlyConfigured(
            f"set {SECRET_VARIABLE} to the secret holding username, email and password"
        )
    secret = read_secret_json(secret_arn)
    missing = {"username", "password"} - set(secret)
    if missing:
        raise ImproperlyConfigured(f"the superuser secret lacks {', '.join(sorted(missing))}")
    return create_superuser_if_absent(secret["username"], secret.get("email", ""), secret["password"])


def create_superuser_if_absent(username: str, email: str, password: str) -> dict[str, Any]:
    """Create the superuser unless one by that name exists (left untouched). Returns no secret."""
    users = get_user_model().objects
    if users.filter(username=username).exists():
        return {"created": False, "username": username, "note": "exists; left unchanged"}
    users.create_superuser(username, email, password)
    return {"created": True, "username": username}
