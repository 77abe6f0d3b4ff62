"""Every answer against what the database holds afterwards."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from chaos.load import Capture


@dataclass(frozen=True)
class Audit:
    captures: int
    acknowledged: int
    acknowledged_but_lost: list[int]  # sequences acked whose row is missing or differs
    server_errors_500: int
    false_nothing_stored: list[int]  # sequences answered "nothing was stored" whose body is stored
    not_answered: int  # no HTTP answer at all (connection refused or reset by the site)
    statuses: dict[int, int]
    stored_after_unknown_outcome: int  # 502 "may or may not": how many did end up stored

    @property
    def holds(self) -> bool:
        return not (self.acknowledged_but_lost or self.server_errors_500 or self.false_nothing_stored)


def audit(captures: list[Capture], stored: dict[int, bytes]) -> Audit:
    """``stored``: id -> body of every row the scenario's path prefix matched."""
    stored_bodies = set(stored.values())
    lost = [
        capture.sequence
        for capture in captures
        if capture.acknowledged_id is not None and stored.get(capture.acknowledged_id) != capture.body
    ]
    false_claims = [
        capture.sequence
        for capture in captures
        if capture.claims_nothing_stored and capture.body in stored_bodies
    ]
    unknown_stored = sum(1 for capture in captures if capture.status == 502 and capture.body in stored_bodies)
    statuses = Counter(capture.status for capture in captures)
    return Audit(
        captures=len(captures),
        acknowledged=statuses[200],
        acknowledged_but_lost=lost,
        server_errors_500=statuses[500],
        false_nothing_stored=false_claims,
        not_answered=statuses[0],
        statuses=dict(sorted(statuses.items())),
        stored_after_unknown_outcome=unknown_stored,
    )
