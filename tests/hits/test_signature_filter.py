"""The signature outcome in the hits admin: a column, the change view, and a filter per outcome."""

from __future__ import annotations

import json

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


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("valid", "valid"),
        ("invalid", OUTCOMES[1]),
        ("expired", "expired"),
        ("none", "no signature"),
        ("unchecked", ""),
    ],
)
def test_the_api_filters_by_outcome(
    client: Client, hits_by_outcome: dict[str, Hit], choice: str, expected: str
) -> None:
    results = client.get(f"/_/api/hits?signature={choice}").json()["results"]
    assert [hit["id"] for hit in results] == [hits_by_outcome[expected].pk]
    assert results[0]["signature"] == expected


def test_an_unknown_outcome_is_a_clear_400(client: Client) -> None:
    response = client.get("/_/api/hits?signature=bogus")
    assert response.status_code == 400
    assert "signature must be one of valid, invalid, expired, none, unchecked" in response.json()["error"]


def test_the_hits_page_shows_and_filters_the_outcome(client: Client, hits_by_outcome: dict[str, Hit]) -> None:
    page = client.get("/_/?signature=invalid").content.decode()
    assert '<td class="signature">invalid: signature does not match the body and secret</td>' in page
    assert '<td class="signature">valid</td>' not in page


def test_exports_carry_the_outcome(client: Client, hits_by_outcome: dict[str, Hit]) -> None:
    ndjson = b"".join(client.get("/_/api/hits/export.ndjson?signature=expired").streaming_content)  # type: ignore[attr-defined]
    assert json.loads(ndjson)["signature"] == "expired"
    har = json.loads(b"".join(client.get("/_/api/hits/export.har?signature=valid").streaming_content))  # type: ignore[attr-defined]
    (entry,) = har["log"]["entries"]
    assert entry["_signature"] == "valid"
