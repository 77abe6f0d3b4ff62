"""Clear all: staff only, a confirmation form, a CSRF-protected POST with the box ticked, batched."""

from __future__ import annotations

import pytest
from django.test import Client

from hits.models import Hit

pytestmark = pytest.mark.django_db


def make_hits(count: int) -> None:
    Hit.objects.bulk_create(Hit(method="POST", path=f"/seed/{n}") for n in range(count))


@pytest.fixture
def staff_client(django_user_model) -> Client:
    browser = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.7")
    browser.force_login(django_user_model.objects.create_user("staff", password="pw", is_staff=True))
    return browser


def csrf_token(browser: Client) -> str:
    browser.get("/_/clear")
    return str(browser.cookies["csrftoken"].value)


def test_staff_confirm_then_every_hit_goes(staff_client: Client) -> None:
    make_hits(7)
    form = staff_client.get("/_/clear").content.decode()
    assert 'name="confirm"' in form
    assert "Content-Security-Policy" in staff_client.get("/_/clear")
    response = staff_client.post(
        "/_/clear", {"confirm": "yes", "csrfmiddlewaretoken": csrf_token(staff_client)}
    )
    assert response.status_code == 302
    assert not Hit.objects.exists()
    assert "7 hits deleted." in staff_client.get(response["Location"]).content.decode()


def test_without_the_box_ticked_nothing_goes(staff_client: Client) -> None:
    make_hits(2)
    response = staff_client.post("/_/clear", {"csrfmiddlewaretoken": csrf_token(staff_client)})
    assert response.status_code == 400
    assert Hit.objects.count() == 2


def test_without_a_csrf_token_nothing_goes(staff_client: Client) -> None:
    make_hits(2)
    assert staff_client.post("/_/clear", {"confirm": "yes"}).status_code == 403
    assert Hit.objects.count() == 2


def test_non_staff_never_clear_even_when_viewing_is_open(client: Client, django_user_model) -> None:
    make_hits(2)
    response = client.post("/_/clear", {"confirm": "yes"})
    assert response.status_code == 302  # anonymous: to the login page
    assert response["Location"].startswith("/admin/login/")
    client.force_login(django_user_model.objects.create_user("someone", password="pw"))
    assert client.post("/_/clear", {"confirm": "yes"}).status_code == 403
    assert client.get("/_/clear").status_code == 403
    assert Hit.objects.count() == 2


def test_only_staff_see_the_button(client: Client, staff_client: Client) -> None:
    assert "Clear all" not in client.get("/_/").content.decode()
    assert "Clear all" in staff_client.get("/_/").content.decode()
