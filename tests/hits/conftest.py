from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def client() -> Client:
    # Like a WSGI server behind a gateway: a peer address is always present.
    return Client(REMOTE_ADDR="203.0.113.7")
