"""A parsed JSON body as a tree the detail page renders with nested <details> (collapsible)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Past these the tree is not offered (the indented text still is): a page of more nodes is neither
# readable nor small, and Jinja renders nesting by recursion.
MAX_NODES = 5000
MAX_DEPTH = 64


class TooLarge(Exception):
    """The document has more nodes or deeper nesting than the tree shows."""


@dataclass(frozen=True)
class JsonNode:
    key: str  # the member name as JSON text, the array index, or "" for the root
    kind: str  # "object" | "array" | "scalar"
    text: str  # a scalar as JSON text; for containers a summary such as "3 keys"
    children: tuple[JsonNode, ...] = ()


def json_tree(value: Any) -> JsonNode | None:
    """The tree of a value json.loads returned, or None when it exceeds MAX_NODES or MAX_DEPTH."""
    budget = [MAX_NODES]
    try:
        return build("", value, 0, budget)
    except TooLarge:
        return None


def build(key: str, value: Any, depth: int, budget: list[int]) -> JsonNode:
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise TooLarge
    if isinstance(value, dict):
        children = tuple(
            build(json.dumps(name, ensure_ascii=False), item, depth + 1, budget)
            for name, item in value.items()
        )
        return JsonNode(key, "object", counted(len(children), "key"), children)
    if isinstance(value, list):
        children = tuple(build(str(index), item, depth + 1, budget) for index, item in enumerate(value))
        return JsonNode(key, "array", counted(len(children), "item"), children)
    return JsonNode(key, "scalar", json.dumps(value, ensure_ascii=False))


def counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
