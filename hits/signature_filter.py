"""Filter hits by signature outcome: the four outcomes, each one range of the signature index."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
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


def filter_by_outcome(hits: QuerySet[Hit], outcome: str) -> QuerySet[Hit]:
    """``outcome`` is a key of OUTCOMES (the caller rejects anything else)."""
    return hits.filter(**OUTCOMES[outcome][1])


class SignatureOutcomeFilter(admin.SimpleListFilter):
    title = "signature"
    parameter_name = "signature"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:  # type: ignore[type-arg]
        return [(key, label) for key, (label, _lookup) in OUTCOMES.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Hit]) -> QuerySet[Hit]:
        value = self.value()
        return filter_by_outcome(queryset, value) if value in OUTCOMES else queryset
