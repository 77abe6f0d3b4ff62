"""Turn an incoming request into a Hit: headers in order (secrets redacted), body byte-exact."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from hits.models import Hit

REDACTED = "[redacted]"
# Header values that are credentials in any webhook sender we know of; HITS_REDACTED_HEADERS adds more.
ALWAYS_REDACTED_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-auth-token",
        "x-amz-security-token",
    }
)
# The auth scheme ("Bearer", "Basic") is not secret and tells a reader which kind of credential came.
SCHEME_KEPT_HEADERS = frozenset({"authorization", "proxy-authorization"})
# WSGI keeps these two outside the HTTP_ namespace.
UNPREFIXED_HEADERS = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}


class BodyTooLarge(Exception):
    """The request body is larger than HITS_MAX_BODY_BYTES."""

    def __init__(self, size: int | None, limit: int) -> None:
        self.size = size
        self.limit = limit
        described = f"{size} bytes" if size is not None else f"more than {limit} bytes"
        super().__init__(
            f"Request body too large: {described}; the limit is {limit} bytes. Nothing was stored."
        )


def read_body(request: HttpRequest, limit: int) -> bytes:
    """The raw body, refusing before reading anything when the declared length is over ``limit``."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(int(declared), limit)
    body = request.read(limit + 1)
    if len(body) > limit:
        raise BodyTooLarge(None, limit)
    return body


def wsgi_text(value: str) -> str:
    """Header text as the sender meant it: WSGI hands over bytes as Latin-1; most senders mean UTF-8.

    Lossless: the stored text encodes back to the exact bytes received, as UTF-8 when they were valid
    UTF-8 and as Latin-1 otherwise (the same rule Django applies to PATH_INFO).
    """
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def header_name(meta_key: str) -> str:
    """HTTP_X_API_KEY -> X-Api-Key."""
    name = UNPREFIXED_HEADERS.get(meta_key) or meta_key.removeprefix("HTTP_").replace("_", "-")
    return "-".join(part.capitalize() for part in name.split("-"))


def redacted_header_names() -> frozenset[str]:
    return ALWAYS_REDACTED_HEADERS | {name.strip().lower() for name in settings.HITS_REDACTED_HEADERS}


def redact(name: str, value: str, redacted_names: frozenset[str]) -> str:
    lowered = name.lower()
    if lowered not in redacted_names:
        return value
    scheme, separator, _credential = value.partition(" ")
    if lowered in SCHEME_KEPT_HEADERS and separator and scheme.isalnum():
        return f"{scheme} {REDACTED}"
    return REDACTED


def request_headers(request: HttpRequest) -> list[list[str]]:
    """Every header as [name, value], in the order the server listed them, secrets redacted."""
    redacted_names = redacted_header_names()
    headers = []
    for key, value in request.META.items():
        if key.startswith("HTTP_") or key in UNPREFIXED_HEADERS:
            name = header_name(key)
            headers.append([name, redact(name, wsgi_text(str(value)), redacted_names)])
    return headers


def client_address(request: HttpRequest) -> str | None:
    """The peer the server or gateway saw (REMOTE_ADDR), never a client-supplied X-Forwarded-For."""
    address = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def record_hit(request: HttpRequest) -> Hit:
    """Store the request as a Hit and return it; committed when this returns (autocommit)."""
    body = read_body(request, settings.HITS_MAX_BODY_BYTES)
    return Hit.objects.create(
        method=request.method or "",
        path=request.path,
        query_string=wsgi_text(request.META.get("QUERY_STRING", "")),
        headers=request_headers(request),
        body=body,
        body_size=len(body),
        content_type=wsgi_text(request.META.get("CONTENT_TYPE", ""))[:255],
        client_address=client_address(request),
        user_agent=wsgi_text(request.META.get("HTTP_USER_AGENT", ""))[:512],
    )
