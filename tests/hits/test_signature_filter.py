"""The signature outcome in the hits admin: a column, the change view, and a filter per outcome."""

from __future__ import annotations

import pytest
from django.test import Client

from hits.models import Hit

pytestmark = pytest.mark.django_db

OUTCOMES = ["valid", "invalid: signature does not match the body and secret", "expired", "no signature", ""]


@pytest.fixture
def hits_by_outcome() -> dict[str, Hit]:
    return {
        outcome: Hit.objects.create(method="POST", path=f"/p{n}", signature=outcome)
        for n, outcome in enumerate(OUTCOMES)
    }


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("valid", "valid"),
        ("invalid", "invalid: signature does not match the body and secret"),
        ("expired", "expired"),
        ("none", "no signature"),
        ("unchecked", ""),
    ],
)
def test_each_filter_choice_selects_one_outcome(
    admin_client: Client, hits_by_outcome: dict[str, Hit], choice: str, expected: str
) -> None:
    page = admin_client.get(f"/admin/hits/hit/?signature={choice}")
    assert page.status_code == 200
    shown = {hit.pk for hit in page.context["cl"].result_list}
    assert shown == {hits_by_outcome[expected].pk}


def test_the_change_view_shows_the_outcome(admin_client: Client, hits_by_outcome: dict[str, Hit]) -> None:
    hit = hits_by_outcome["expired"]
    page = admin_client.get(f"/admin/hits/hit/{hit.pk}/change/").content.decode()
    assert '<div class="readonly">expired</div>' in page
