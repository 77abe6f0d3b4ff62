"""A configured key for every endpoints test (the secure-deployment shape, not the local fallback)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from endpoints import secret_box


@pytest.fixture(autouse=True)
def endpoint_secret_keys(settings: Any) -> Iterator[list[str]]:
    keys = [secrets.token_urlsafe(48)]
    settings.ENDPOINTS_SECRET_KEYS = keys
    secret_box.reset_cache()
    yield keys
    secret_box.reset_cache()
