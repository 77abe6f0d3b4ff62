"""Each endpoint rule's own retention (max age, max count), applied to the hits captured under it.

A rule's hits are found through hits_hit.endpoint_id (indexed), so each rule's purge reads only its
own rows, oldest first, with the same batching, pinning and deadline as `purge_hits`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from endpoints.models import EndpointRule
from hits.retention import PurgePlan, RetentionError, RetentionRule, plan_purge, purge_until


@dataclass(frozen=True)
class RulePurge:
    rule: EndpointRule
    plan: PurgePlan | None
    deleted: int
    finished: bool
    error: str = ""


def retention_of(rule: EndpointRule) -> RetentionRule | None:
    if rule.retention_max_age is None and rule.retention_max_count is None:
        return None
    return RetentionRule(older_than=rule.retention_max_age, keep=rule.retention_max_count)


def rules_with_retention() -> list[EndpointRule]:
    return [
        rule
        for rule in EndpointRule.objects.filter(
            Q(retention_max_age__isnull=False) | Q(retention_max_count__isnull=False)
        ).order_by("id")
    ]


def purge_endpoint_rules(now: datetime, batch_size: int, deadline: float | None = None) -> list[RulePurge]:
    """Apply every rule's retention in turn; stops (finished=False) at ``deadline``."""
    results: list[RulePurge] = []
    for rule in rules_with_retention():
        try:
            retention = retention_of(rule)
        except RetentionError as error:
            # One rule saved around the admin's validation must not stop the others' purges.
            results.append(RulePurge(rule, None, 0, True, str(error)))
            continue
        assert retention is not None  # rules_with_retention() selected only such rules
        plan = plan_purge(retention, now, scope=Q(endpoint_id=rule.id))
        deleted, finished = purge_until(plan, batch_size, deadline)
        results.append(RulePurge(rule, plan, deleted, finished))
        if not finished:
            break
    return results
