"""How a captured body is shown on the detail page: pretty JSON, form fields, text, or a hex dump."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

# A hex dump of a 1 MiB body would be a 4 MiB page; the download link has the rest.
HEX_DUMP_LIMIT = 4096
HEX_BYTES_PER_LINE = 16


@dataclass(frozen=True)
class BodyDisplay:
    kind: str  # "empty" | "json" | "form" | "text" | "binary"
    text: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    truncated: bool = False


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


def display_body(body: bytes, content_type: str) -> BodyDisplay:
    """Choose the most readable faithful view of ``body``."""
    if not body:
        return BodyDisplay(kind="empty")
    text = decode_utf8(body)
    media_type = content_type.split(";")[0].strip().lower()
    if text is not None and ("json" in media_type or text.lstrip()[:1] in ("{", "[")):
        try:
            return BodyDisplay(kind="json", text=json.dumps(json.loads(text), indent=2, ensure_ascii=False))
        except ValueError:
            pass
    if text is not None and media_type == "application/x-www-form-urlencoded":
        return BodyDisplay(kind="form", text=text, fields=parse_qsl(text, keep_blank_values=True))
    if text is not None and looks_like_text(text):
        return BodyDisplay(kind="text", text=text)
    return BodyDisplay(kind="binary", text=hex_dump(body), truncated=len(body) > HEX_DUMP_LIMIT)
