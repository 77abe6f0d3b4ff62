"""The chaos audit finds each broken promise it exists to find: what makes `make chaos` mean something."""

from __future__ import annotations

from chaos.audit import audit
from chaos.load import Capture, unique_body

BODIES = [unique_body(sequence) for sequence in range(4)]


def capture(sequence: int, status: int, answer: str) -> Capture:
    return Capture(sequence, BODIES[sequence], status, answer, sent_at=0.0, answered_at=0.0)


def test_a_clean_run_holds():
    captures = [capture(0, 200, '{"id": 10}'), capture(1, 503, "The database is busy. Nothing was stored.")]
    result = audit(captures, {10: BODIES[0]})
    assert result.holds
    assert (result.acknowledged, result.statuses) == (1, {200: 1, 503: 1})


def test_an_acknowledged_capture_missing_or_changed_in_the_table_is_lost():
    captures = [capture(0, 200, '{"id": 10}'), capture(1, 200, '{"id": 11}')]
    result = audit(captures, {11: BODIES[1][:-1]})
    assert result.acknowledged_but_lost == [0, 1]
    assert not result.holds


def test_nothing_stored_for_a_body_that_is_stored_is_a_false_claim():
    captures = [capture(2, 503, "The database cannot be reached. Nothing was stored. Please retry later.")]
    result = audit(captures, {12: BODIES[2]})
    assert result.false_nothing_stored == [2]
    assert not result.holds


def test_a_500_breaks_the_promise_and_an_unknown_outcome_does_not():
    captures = [capture(0, 500, "Server Error"), capture(3, 502, "It may or may not have been stored.")]
    result = audit(captures, {13: BODIES[3]})
    assert result.server_errors_500 == 1
    assert result.stored_after_unknown_outcome == 1
    assert not result.holds
