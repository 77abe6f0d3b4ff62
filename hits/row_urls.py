"""Per-hit URLs built from one reverse() per page instead of one per row (the list renders 50 rows)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

# An id no table will reach, so its digits appear in the reversed URL exactly once.
PLACEHOLDER_ID = 9_876_543_210_123_456_789


@dataclass(frozen=True)
class HitUrl:
    """The URL named ``name`` for any hit id: the reversed URL split around a placeholder id."""

    prefix: str
    suffix: str

    @classmethod
    def named(cls, name: str) -> HitUrl:
        prefix, placeholder, suffix = reverse(name, args=[PLACEHOLDER_ID]).partition(str(PLACEHOLDER_ID))
        if not placeholder:
            raise ValueError(f"URL {name!r} does not contain its hit id")
        return cls(prefix, suffix)

    def __call__(self, hit_id: int) -> str:
        return f"{self.prefix}{hit_id}{self.suffix}"
