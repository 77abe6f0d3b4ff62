"""A Hit is one HTTP request received on a captured path, stored exactly as it arrived."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class HitQuerySet(models.QuerySet["Hit"]):
    # The primary key grows with arrival, so ordering by it is exact and uses the clustered index.
    NEWEST_FIRST = ("-id",)

    def newest_first(self) -> HitQuerySet:
        return self.order_by(*self.NEWEST_FIRST)

    def page_before(self, cursor: int | None, limit: int) -> list[Hit]:
        """One keyset page, newest first: at most ``limit + 1`` rows (the extra one means "more")."""
        hits = self.newest_first().defer("body")
        if cursor is not None:
            hits = hits.filter(id__lt=cursor)
        return list(hits[: limit + 1])


class Hit(models.Model):
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    method = models.CharField(max_length=32)
    # TextField: paths and query strings have no useful upper bound (browsers send 8 KB+ URLs).
    path = models.TextField()
    query_string = models.TextField(blank=True)
    # Every header as [name, value] pairs in arrival order, repeated ones kept; secrets redacted.
    headers = models.JSONField(default=list)
    # The body byte-exact (LONGBLOB on MySQL): binary, invalid UTF-8 and NUL bytes survive.
    body = models.BinaryField(default=b"")
    body_size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=255, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    # The endpoint rule the path fell under at capture. No foreign key constraint and nothing done on
    # the rule's deletion: deleting a rule must not rewrite (or lock) its hits; the id stays as history.
    endpoint = models.ForeignKey(
        "endpoints.EndpointRule",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The signature check at capture (endpoints.signatures): valid, invalid: <reason>, expired or
    # no signature; empty when the rule verifies nothing or no rule applied. Indexed for the filters.
    # Also a database default, so writers that predate the column (bench seeding) keep working.
    signature = models.CharField(max_length=255, blank=True, db_index=True, default="", db_default="")

    objects = HitQuerySet.as_manager()

    class Meta:
        # What the admin's changelist and any unordered query list hits by.
        ordering = HitQuerySet.NEWEST_FIRST

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    @classmethod
    def max_length(cls, field_name: str) -> int:
        """The longest value a text field stores: what capture checks and truncates against."""
        field = cls._meta.get_field(field_name)
        if not isinstance(field, models.CharField) or field.max_length is None:
            raise TypeError(f"Hit.{field_name} is not a CharField with a max_length")
        return field.max_length

    @property
    def full_path(self) -> str:
        return f"{self.path}?{self.query_string}" if self.query_string else self.path
