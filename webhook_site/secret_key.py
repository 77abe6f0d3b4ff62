"""Django's SECRET_KEY: from DJANGO_SECRET_KEY, or from the Secrets Manager secret the stack generated.

On Lambda the key lives in Secrets Manager (DJANGO_SECRET_KEY_SECRET_ARN, a plain-string secret the
stack generates), never in zappa_settings.json; it is read once per cold start, because settings
need it before the first request. Locally an obviously insecure key is the default, and a secure
deployment refuses to start with it.
"""

from __future__ import annotations

import os

import environ
from django.core.exceptions import ImproperlyConfigured

from site_platform.aws import read_secret_string

INSECURE_LOCAL_KEY = "django-insecure-local-development-only-key"
# Django's own bar for a production key (its deploy check security.W009): long, varied, not a default.
MIN_KEY_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 5
INSECURE_PREFIX = "django-insecure"


def secret_key(env: environ.Env, secure: bool) -> str:
    """The key from the environment or Secrets Manager; a secure deployment accepts only a strong one."""
    if os.environ.get("DJANGO_SECRET_KEY"):
        key, source = str(env.str("DJANGO_SECRET_KEY")), "DJANGO_SECRET_KEY"
    elif os.environ.get("DJANGO_SECRET_KEY_SECRET_ARN"):
        arn = os.environ["DJANGO_SECRET_KEY_SECRET_ARN"]
        key, source = read_secret_string(arn), f"the secret key in {arn}"
    elif secure:
        raise ImproperlyConfigured(
            "DJANGO_SECURE is on but no secret key is set: set DJANGO_SECRET_KEY_SECRET_ARN (Lambda) "
            "or DJANGO_SECRET_KEY"
        )
    else:
        return INSECURE_LOCAL_KEY
    if secure:
        require_strong_key(key, source)
    return key


def require_strong_key(key: str, source: str) -> None:
    """One rule for every source of the key (the length alone is never printed with the key)."""
    if key.startswith(INSECURE_PREFIX) or len(key) < MIN_KEY_LENGTH or len(set(key)) < MIN_UNIQUE_CHARACTERS:
        raise ImproperlyConfigured(
            f"DJANGO_SECURE is on but {source} is not a strong key ({len(key)} characters): use at "
            f"least {MIN_KEY_LENGTH} random characters, e.g. from secrets.token_urlsafe(64)"
        )
