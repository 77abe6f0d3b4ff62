"""Filter hits by signature outcome (hits.signature): one owner for what each choice means, used by
the page/API/export filter (hits/filters.py, ``signature=``) and the admin's list filter. Each choice
is one range of the signature index."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from endpoints.signatures import EXPIRED, INVALID_PREFIX, NO_SIGNATURE, VALID
from hits.models import Hit

# Query parameter value -> (label, lookup). "invalid" matches every "invalid: <reason>".
OUTCOMES: dict[str, tuple[str, dict[str, str]]] = {
    "valid": ("valid", {"signature": VALID}),
    "invalid": ("invalid", {"signature__startswith": INVALID_PREFIX}),
    "expired": ("expired", {"signature": EXPIRED}),
    "none": ("no signature", {"signature": NO_SIGNATURE}),
    "unchecked": ("not checked", {"signature": ""}),
}


def outcome_condition(outcome: str) -> Q:
    """``outcome`` is a key of OUTCOMES (the caller rejects anything else)."""
    return Q(**OUTCOMES[outcome][1])


def filter_by_outcome(hits: QuerySet[Hit], outcome: str) -> QuerySet[Hit]:
    return hits.filter(outcome_condition(outcome))


class SignatureOutcomeFilter(admin.SimpleListFilter):
    title = "signature"
    parameter_name = "signature"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:  # type: ignore[type-arg]
        return [(key, label) for key, (label, _lookup) in OUTCOMES.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Hit]) -> QuerySet[Hit]:
        value = self.value()
        return filter_by_outcome(queryset, value) if value in OUTCOMES else queryset
