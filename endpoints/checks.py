"""Configuration errors caught at start-up: no key to encrypt signing secrets with."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from endpoints.secret_box import KEYS_HELP, MIN_KEY_MATERIAL_LENGTH, keys_configured


@register()
def secret_keys_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.SECURE and not keys_configured():
        # Locally a key derived from SECRET_KEY stands in (secret_box.local_development_key).
        message = "DJANGO_SECURE is on but no key for endpoint signing secrets is set."
        return [Error(message, hint=KEYS_HELP, id="endpoints.E001")]
    # The key itself is never printed, only its position and length.
    return [
        Error(
            f"ENDPOINTS_SECRET_KEYS key {position} is {len(key.strip())} characters: "
            f"use at least {MIN_KEY_MATERIAL_LENGTH} random characters.",
            hint=KEYS_HELP,
            id="endpoints.E002",
        )
        for position, key in enumerate(settings.ENDPOINTS_SECRET_KEYS, start=1)
        if len(key.strip()) < MIN_KEY_MATERIAL_LENGTH
    ]
