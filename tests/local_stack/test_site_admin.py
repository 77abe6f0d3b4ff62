"""`make stack` creates its admin-site user once, in its own database, with a password kept on disk."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.contrib.auth import authenticate

from local_stack import local_password
from local_stack.__main__ import SITE_ADMIN, create_site_admin


def test_a_local_password_is_made_once_and_readable_only_by_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "admin-password"

    first = local_password(path)

    assert len(first) >= 32
    assert local_password(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.django_db
def test_the_site_admin_signs_in_with_the_password_in_the_file(tmp_path: Path) -> None:
    password_file = tmp_path / "admin-password"

    message = create_site_admin(8000, password_file)

    assert message == f"Admin site: http://127.0.0.1:8000/admin/ as admin, password: cat {password_file}"
    user = authenticate(username=SITE_ADMIN, password=password_file.read_text().strip())
    assert user is not None
    assert user.is_superuser
    assert user.is_staff


@pytest.mark.django_db
def test_a_second_start_leaves_the_admin_and_its_password_alone(tmp_path: Path) -> None:
    password_file = tmp_path / "admin-password"
    create_site_admin(8000, password_file)
    password = password_file.read_text()

    message = create_site_admin(8000, password_file)

    assert "(unless you changed it in the admin)" in message
    assert password_file.read_text() == password
    assert authenticate(username=SITE_ADMIN, password=password.strip()) is not None
