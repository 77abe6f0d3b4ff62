"""An admin paginator whose count is bounded, so the changelist costs the same at any table size."""

from __future__ import annotations

from typing import Any, cast

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Counting stops here: 100 admin pages of 100. Beyond that, filters and search are the way in.
COUNT_LIMIT = 10_000


# Paginator is generic only in django-stubs; subscripting it would fail at run time.
class BoundedCountPaginator(Paginator):  # type: ignore[type-arg]
    @cached_property
    def count(self) -> int:
        # The admin paginates a queryset: SELECT COUNT(*) FROM (SELECT ... LIMIT n) reads at most
        # COUNT_LIMIT index entries.
        queryset = cast("QuerySet[Any]", self.object_list)
        return queryset[:COUNT_LIMIT].count()
