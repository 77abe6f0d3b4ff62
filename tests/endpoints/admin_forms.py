"""The endpoint rule admin form as a browser posts it."""

from __future__ import annotations

from typing import Any


def rule_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "GitHub",
        "path_prefix": "/github",
        "scheme": "github",
        "new_secret": "",
        "new_meta_verify_token": "",
        "rotation_window": "1 00:00:00",
        "tolerance_seconds": "300",
        "hmac_header": "",
        "hmac_algorithm": "sha256",
        "hmac_encoding": "hex",
        "hmac_prefix": "",
        "response_status": "200",
        "response_content_type": "application/json",
        "response_headers": "{}",
        "response_body": '{"id": $hit_id}',
        "response_delay_ms": "0",
        "cors_allowed_origins": "",
        "cors_allowed_methods": "GET, POST",
        "cors_allowed_headers": "Content-Type",
        "cors_max_age": "600",
        "retention_max_age": "",
        "retention_max_count": "",
        "_save": "Save",
    }
    data.update(overrides)
    return data
