"""A configured Fernet key for every endpoints test (the secure-deployment shape, not the local fallback)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet

from endpoints import secret_box


@pytest.fixture(autouse=True)
def endpoint_secret_keys(settings: Any) -> Iterator[list[str]]:
    keys = [Fernet.generate_key().decode("ascii")]
    settings.ENDPOINTS_SECRET_KEYS = keys
    secret_box.reset_cache()
    yield keys
    secret_box.reset_cache()
