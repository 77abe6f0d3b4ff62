"""How a captured body is shown on the detail page: one view at a time, each capped in size.

Views: "tree" (collapsible JSON), "pretty" (indented JSON or XML, form fields, multipart parts),
"raw" (the text as received) and "hex" (any body). Only the chosen view is rendered, and each is
capped (TEXT_LIMIT characters, HEX_DUMP_LIMIT bytes, json_tree's node budget, multipart's part and
value limits), so a detail page stays far below Lambda's 6 MB response limit whatever the body is
(tests/hits/test_detail_page.py checks the worst cases). The download link has the exact bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl

from hits.json_tree import JsonNode, json_tree
from hits.multipart_parts import MultipartPart, multipart_parts
from hits.search_keys import media_type_key
from hits.xml_pretty import pretty_xml

# Characters of text shown: escaped HTML is at most ~6 bytes per character ("&#34;", 4-byte UTF-8),
# so about 1.5 MB of page in the worst case.
TEXT_LIMIT = 256 * 1024
# A hex dump line shows 16 bytes in about 80 characters: 16 KiB is an 80 KB dump.
HEX_DUMP_LIMIT = 16 * 1024
HEX_BYTES_PER_LINE = 16
VIEW_LABELS = {"tree": "Tree", "pretty": "Pretty", "raw": "Raw", "hex": "Hex"}


class UnknownBodyView(ValueError):
    """?view= names a view this body does not have."""


@dataclass(frozen=True)
class BodyDisplay:
    kind: str  # "empty" | "json" | "xml" | "form" | "multipart" | "text" | "binary"
    views: tuple[str, ...]  # the views this body offers, the default first
    view: str  # the one shown
    text: str = ""  # the shown text (pretty, raw or hex), already cut
    truncated: bool = False  # the shown text stops before the body does
    fields: list[tuple[str, str]] = field(default_factory=list)
    tree: JsonNode | None = None
    parts: list[MultipartPart] = field(default_factory=list)


def decode_utf8(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def looks_like_text(text: str) -> bool:
    return all(character.isprintable() or character in "\t\r\n" for character in text)


def hex_dump(body: bytes, limit: int = HEX_DUMP_LIMIT) -> str:
    """Classic offset / hex / ASCII lines for the first ``limit`` bytes."""
    lines = []
    for offset in range(0, min(len(body), limit), HEX_BYTES_PER_LINE):
        chunk = body[offset : offset + HEX_BYTES_PER_LINE]
        hex_part = " ".join(f"{byte:02x}" for byte in chunk)
        ascii_part = "".join(chr(byte) if 32 <= byte < 127 else "." for byte in chunk)
        lines.append(f"{offset:08x}  {hex_part:<{HEX_BYTES_PER_LINE * 3 - 1}}  {ascii_part}")
    return "\n".join(lines)


def parsed_json(text: str) -> object | None:
    try:
        value: object = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
        return None
    return value


def is_xml(media_type: str, text: str) -> bool:
    return media_type.endswith(("/xml", "+xml")) or text.lstrip().startswith("<?xml")


def display_body(body: bytes, content_type: str, view: str | None = None) -> BodyDisplay:
    """The most readable faithful view of ``body`` (or the ``view`` asked for, if it has it)."""
    if not body:
        return BodyDisplay(kind="empty", views=(), view="")
    text = decode_utf8(body)
    media_type = media_type_key(content_type)
    if text is None or not looks_like_text(text):
        parts = multipart_parts(body, content_type)  # file parts make multipart bodies binary
        if parts is not None:
            return chosen(body, "multipart", ("pretty", "hex"), view, text, parts=parts)
        return chosen(body, "binary", ("hex",), view, text)
    if "json" in media_type or text.lstrip()[:1] in ("{", "["):
        value = parsed_json(text)
        if value is not None or text.strip() == "null":
            tree = json_tree(value) if len(text) <= TEXT_LIMIT else None
            pretty = json.dumps(value, indent=2, ensure_ascii=False)
            views = ("tree", "pretty", "raw", "hex") if tree else ("pretty", "raw", "hex")
            return chosen(body, "json", views, view, text, pretty=pretty, tree=tree)
    if media_type == "application/x-www-form-urlencoded":
        fields = parse_qsl(text[:TEXT_LIMIT], keep_blank_values=True)
        return chosen(body, "form", ("pretty", "raw", "hex"), view, text, fields=fields)
    parts = multipart_parts(body, content_type)
    if parts is not None:
        return chosen(body, "multipart", ("pretty", "raw", "hex"), view, text, parts=parts)
    if is_xml(media_type, text):
        indented = pretty_xml(text)
        if indented is not None:
            return chosen(body, "xml", ("pretty", "raw", "hex"), view, text, pretty=indented)
    return chosen(body, "text", ("raw", "hex"), view, text)


def chosen(
    body: bytes,
    kind: str,
    views: tuple[str, ...],
    view: str | None,
    text: str | None,
    pretty: str | None = None,
    tree: JsonNode | None = None,
    fields: list[tuple[str, str]] | None = None,
    parts: list[MultipartPart] | None = None,
) -> BodyDisplay:
    """The display of ``body`` in ``view`` (default: the first of ``views``), cut to its limit."""
    view = view or views[0]
    if view not in views:
        offered = ", ".join(views)
        raise UnknownBodyView(f"view must be one of {offered} for this body, not {view!r}")
    shown = BodyDisplay(kind=kind, views=views, view=view)
    if view == "hex":
        return replace(shown, text=hex_dump(body), truncated=len(body) > HEX_DUMP_LIMIT)
    if view == "tree":
        return replace(shown, tree=tree)
    if view == "pretty" and fields is not None:
        return replace(shown, fields=fields, truncated=len(text or "") > TEXT_LIMIT)
    if view == "pretty" and parts is not None:
        return replace(shown, parts=parts)
    full = pretty if view == "pretty" and pretty is not None else (text or "")
    return replace(shown, text=full[:TEXT_LIMIT], truncated=len(full) > TEXT_LIMIT)
