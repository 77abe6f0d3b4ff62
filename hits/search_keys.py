"""The search keys a hit carries beside what arrived, derived at capture; pure (no Django), so the
bench's seeder computes exactly what a capture stores. hits/filters.py looks hits up by them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

# The indexed part of a path. 255 characters of utf8mb4 are 1,020 bytes: inside InnoDB's 3,072-byte
# index key limit (DYNAMIC rows, the default since MySQL 5.7 and MariaDB 10.2).
PATH_KEY_LENGTH = 255
HEADER_NAME_KEY_LENGTH = 255
# A header value is found by its digest: values have no length bound, digests index in 32 bytes.
HEADER_VALUE_DIGEST_LENGTH = 32


def media_type_key(content_type: str) -> str:
    """'Application/JSON; charset=utf-8' -> 'application/json': what the content type filter matches."""
    return content_type.partition(";")[0].strip().lower()


def path_key(path: str) -> str:
    return path[:PATH_KEY_LENGTH]


def header_name_key(name: str) -> str:
    return name.strip().lower()[:HEADER_NAME_KEY_LENGTH]


def header_value_digest(value: str) -> str:
    """The value's SHA-256, truncated to 128 bits: exact match on a value of any length."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:HEADER_VALUE_DIGEST_LENGTH]


def header_key_pairs(headers: Iterable[list[str] | tuple[str, str]]) -> list[tuple[str, str]]:
    """(name, "") for each header name and (name, value digest) for each distinct value, sorted."""
    keys: set[tuple[str, str]] = set()
    for name, value in headers:
        name_key = header_name_key(name)
        keys.add((name_key, ""))
        keys.add((name_key, header_value_digest(value)))
    return sorted(keys)
