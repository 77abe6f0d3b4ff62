"""A Hit is one HTTP request received on a captured path, stored exactly as it arrived.

Beside what arrived, a hit carries a few search keys derived from it at capture (``media_type``,
``path_key`` and one HitHeader row per header name and per header value), so that every filter in
hits/filters.py except body text reads an index: see docs/api.md, "Filters".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from hits.search_keys import (
    HEADER_NAME_KEY_LENGTH,
    HEADER_VALUE_DIGEST_LENGTH,
    PATH_KEY_LENGTH,
    header_key_pairs,
    media_type_key,
    path_key,
)


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

    def delete(self) -> tuple[int, dict[str, int]]:
        """Delete these hits and their search keys (the CASCADE) without loading any hit's body:
        Django's collector would otherwise SELECT whole rows, bodies of up to a mebibyte each."""
        return models.QuerySet.delete(self.only("id"))

    def create_with_search_keys(self, **fields: Any) -> Hit:
        """Store a hit and its search keys in one transaction: both are committed, or neither."""
        with transaction.atomic(using=self.db):
            hit = self.create(
                media_type=media_type_key(fields.get("content_type", "")),
                path_key=path_key(fields["path"]),
                **fields,
            )
            HitHeader.objects.using(self.db).bulk_create(header_keys(hit.id, hit.headers))
        return hit

    def page_after(self, after: int, limit: int) -> list[Hit]:
        """Hits newer than ``after`` in arrival order (oldest first), at most ``limit``: the live list."""
        return list(self.filter(id__gt=after).order_by("id").defer("body")[:limit])


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
    # Search keys (hits/filters.py), set by Hit.objects.create_with_search_keys().
    media_type = models.CharField(max_length=255, blank=True, db_index=True)
    path_key = models.CharField(max_length=PATH_KEY_LENGTH, blank=True, db_index=True)
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
        # InnoDB (and SQLite) append the primary key to every secondary index, so an index on
        # `method` is an index on (method, id): WHERE method = ... ORDER BY id DESC LIMIT n reads n entries.
        indexes = (models.Index(fields=["method"], name="hits_hit_method_idx"),)

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


class HitHeader(models.Model):
    """The header filter's index: per hit, one row per header name (``value_digest`` empty) and one
    per distinct (name, value). Both kinds are unique per hit, so joining never repeats a hit, and
    (name, value_digest, hit) serves "has header X" and "has header X: v" newest first alike."""

    hit = models.ForeignKey(Hit, on_delete=models.CASCADE, related_name="header_keys", db_index=False)
    name = models.CharField(max_length=HEADER_NAME_KEY_LENGTH)  # lower-cased
    value_digest = models.CharField(max_length=HEADER_VALUE_DIGEST_LENGTH, blank=True)

    class Meta:
        constraints = (
            # Also the index the foreign key needs (hit first), so hit_id gets no index of its own.
            models.UniqueConstraint(fields=["hit", "name", "value_digest"], name="hits_hitheader_unique"),
        )
        indexes = (models.Index(fields=["name", "value_digest", "hit"], name="hits_hitheader_lookup_idx"),)

    def __str__(self) -> str:
        return f"{self.name} ({self.value_digest or 'present'})"


def header_keys(hit_id: int, headers: Iterable[list[str] | tuple[str, str]]) -> list[HitHeader]:
    """The HitHeader rows for one hit's stored (already redacted) headers."""
    return [
        HitHeader(hit_id=hit_id, name=name, value_digest=digest) for name, digest in header_key_pairs(headers)
    ]


class ApiToken(models.Model):
    """A credential for the JSON API (``Authorization: Bearer <token>``), made by staff in the admin.

    Only the token's SHA-256 is stored: tokens are 256 random bits, so a fast hash is enough (no
    password-style stretching), and a leaked table yields no usable token. The plain token is shown
    once, on the admin page that creates it. Tokens read the API; they cannot delete hits.
    """

    name = models.CharField(max_length=100, help_text="Who or what uses it, e.g. 'forwarder on build box'.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the token, to tell tokens apart in lists (not enough to guess one).
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, editable=False, related_name="+"
    )

    # Set by mint_token on the instance that creates the token, for the one page that shows it.
    plain_token: str | None = None

    class Meta:
        verbose_name = "API token"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
