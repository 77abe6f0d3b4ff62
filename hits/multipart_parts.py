"""A multipart body (multipart/form-data and kin) split into its parts, read with the stdlib email parser."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser

# A page of more parts than this is not readable; the hex and raw views still show everything.
MAX_PARTS = 200
# Text field values are shown up to this many characters each (file parts only by name, type and size).
VALUE_LIMIT = 2000


@dataclass(frozen=True)
class MultipartPart:
    name: str  # Content-Disposition's name="…", "" when absent
    filename: str | None  # set for file parts
    content_type: str
    size: int  # bytes of the decoded content
    value: str | None  # a field's text (cut to VALUE_LIMIT), None for files and non-text content
    value_truncated: bool = False


def multipart_parts(body: bytes, content_type: str) -> list[MultipartPart] | None:
    """The parts, or None when ``content_type`` is not multipart with a boundary or the body is not
    well-formed multipart (then the page shows it as text or hex instead)."""
    if not content_type.lower().startswith("multipart/") or "boundary=" not in content_type.lower():
        return None
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not message.is_multipart() or message.defects:
        return None
    payload = message.get_payload()
    if not isinstance(payload, list) or not payload or len(payload) > MAX_PARTS:
        return None
    return [describe(part) for part in payload if isinstance(part, Message)]


def describe(part: Message) -> MultipartPart:
    content = part.get_payload(decode=True)
    data = content if isinstance(content, bytes) else b""
    filename = part.get_filename()
    value, truncated = None, False
    if filename is None:
        try:
            text = data.decode(part.get_content_charset() or "utf-8")
        except (UnicodeDecodeError, LookupError):
            text = None
        if text is not None:
            value, truncated = text[:VALUE_LIMIT], len(text) > VALUE_LIMIT
    return MultipartPart(
        name=str(part.get_param("name", "", header="content-disposition") or ""),
        filename=filename,
        content_type=part.get_content_type(),
        size=len(data),
        value=value,
        value_truncated=truncated,
    )
