"""Configuration errors caught at start-up: no key to encrypt signing secrets with."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from endpoints.secret_box import KEYS_HELP, keys_configured


@register()
def secret_keys_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.SECURE and not keys_configured():
        # Locally a key derived from SECRET_KEY stands in (secret_box.local_development_key).
        message = "DJANGO_SECURE is on but no key for endpoint signing secrets is set."
        return [Error(message, hint=KEYS_HELP, id="endpoints.E001")]
    errors: list[CheckMessage] = []
    for position, key in enumerate(settings.ENDPOINTS_SECRET_KEYS, start=1):
        try:
            Fernet(key.strip().encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            # The key itself is never printed.
            errors.append(
                Error(
                    f"ENDPOINTS_SECRET_KEYS key {position} is not a Fernet key (32 url-safe base64 bytes).",
                    hint=KEYS_HELP,
                    id="endpoints.E002",
                )
            )
    return errors
