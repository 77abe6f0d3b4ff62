"""The hits app's settings are checked at start-up (`manage.py check`), not at the first request."""

from __future__ import annotations

from typing import Any

import pytest

from hits.checks import check_body_search_limit


@pytest.mark.parametrize("value", [0, -1, 100_001, "5000", None])
def test_a_bad_body_search_limit_is_a_check_error(settings: Any, value: object) -> None:
    settings.HITS_BODY_SEARCH_LIMIT = value
    (error,) = check_body_search_limit()
    assert error.id == "hits.E001"
    assert "from 1 to 100,000" in (error.hint or "")


def test_the_default_passes() -> None:
    assert check_body_search_limit() == []
