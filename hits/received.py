"""What a client sent, exactly: read from the WSGI environ, or on Lambda from the gateway's event itself.

Two sources, one result (ReceivedRequest). A WSGI server tells us only what PEP 3333 lets it:
header names upper-cased into HTTP_* keys, repeats folded into one value. On Lambda, Zappa's
WSGI translation loses more (it title-cases v1 header names, merges repeats, rebuilds the query
string and takes REMOTE_ADDR from a client-supplied X-Forwarded-For), so there we read the API
Gateway / Function URL event Zappa keeps in the environ ("lambda.event"), which is what the
gateway saw: header names, order and repeats, the raw query string (v2), the body bytes and the
peer address (requestContext sourceIp).

Requests whose body we cannot read faithfully are refused here, before anything is stored.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from django.http import HttpRequest

# Zappa's wsgi.create_wsgi_request() puts the raw event here.
LAMBDA_EVENT_KEY = "lambda.event"
# WSGI keeps these two outside the HTTP_ namespace.
UNPREFIXED_HEADERS = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}


class RequestRefused(Exception):
    """The request cannot be captured exactly as sent; ``status`` and the message say why."""

    status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason} Nothing was stored.")


class BodyTooLarge(RequestRefused):
    status = 413

    def __init__(self, size: int | None, limit: int) -> None:
        described = f"{size} bytes" if size is not None else f"more than {limit} bytes"
        super().__init__(f"Request body too large: {described}; the limit is {limit} bytes.")


class BodyIncomplete(RequestRefused):
    def __init__(self, received: int, declared: int) -> None:
        super().__init__(
            f"Request body incomplete: Content-Length says {declared} bytes, {received} arrived."
        )


class LengthRequired(RequestRefused):
    status = 411


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the client sent it; header values unredacted (redaction comes at storage)."""

    query_string: str
    headers: list[tuple[str, str]]
    body: bytes
    client_address: str | None

    def header(self, name: str) -> str:
        """The first value of header ``name`` (any case), or ""."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), "")


def received_request(request: HttpRequest, body_limit: int) -> ReceivedRequest:
    event = request.META.get(LAMBDA_EVENT_KEY)
    if isinstance(event, Mapping):
        return from_lambda_event(event, body_limit)
    return from_wsgi(request, body_limit)


# --- WSGI -----------------------------------------------------------------------------------------


def from_wsgi(request: HttpRequest, body_limit: int) -> ReceivedRequest:
    return ReceivedRequest(
        query_string=wsgi_text(request.META.get("QUERY_STRING", "")),
        headers=wsgi_headers(request.META),
        body=wsgi_body(request, body_limit),
        client_address=ip_address_or_none(request.META.get("REMOTE_ADDR", "")),
    )


def wsgi_text(value: str) -> str:
    """Header text as the sender meant it: WSGI hands over bytes as Latin-1; most senders mean UTF-8.

    Lossless: the stored text encodes back to the exact bytes received, as UTF-8 when they were valid
    UTF-8 and as Latin-1 otherwise (the same rule Django applies to PATH_INFO).
    """
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def wsgi_header_name(meta_key: str) -> str:
    """HTTP_X_API_KEY -> X-Api-Key (WSGI keeps no original case)."""
    name = UNPREFIXED_HEADERS.get(meta_key) or meta_key.removeprefix("HTTP_").replace("_", "-")
    return "-".join(part.capitalize() for part in name.split("-"))


def wsgi_headers(meta: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every header the server passed on, in its order. An empty CONTENT_LENGTH is a server's
    placeholder (wsgiref sets one for every request), never a header a client can send."""
    return [
        (wsgi_header_name(key), wsgi_text(str(value)))
        for key, value in meta.items()
        if key.startswith("HTTP_") or (key in UNPREFIXED_HEADERS and value != "")
    ]


def wsgi_body(request: HttpRequest, limit: int) -> bytes:
    """The body exactly as sent, or RequestRefused: never a shortened or lost one.

    With Content-Length, all of it must arrive. A chunked body has no length: a server that
    de-chunks says so with wsgi.input_terminated (PEP 3333 errata; gunicorn and waitress set it),
    and then its input ends where the body ends; Django's own stream reads nothing without a
    CONTENT_LENGTH, so the raw input is read here. A server that does not de-chunk (wsgiref,
    i.e. manage.py runserver) leaves the chunk framing unread: 411 rather than a wrong body.
    """
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared:
        if not declared.isdigit():
            raise RequestRefused(f"Content-Length is not a number: {declared!r}.")
        length = int(declared)
        if length > limit:
            raise BodyTooLarge(length, limit)
        body = request.read(length)
        if len(body) < length:
            raise BodyIncomplete(len(body), length)
        return body
    if "chunked" not in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        return b""  # HTTP/1.1: no Content-Length and no chunked coding means no body
    if not request.META.get("wsgi.input_terminated"):
        raise LengthRequired(
            "This server cannot read chunked request bodies: send a Content-Length "
            "(or use `make run`, whose server de-chunks)."
        )
    body = request.META["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        raise BodyTooLarge(None, limit)
    return bytes(body)


def ip_address_or_none(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


# --- Lambda events (API Gateway REST v1, HTTP API v2, Function URLs) ------------------------------


def from_lambda_event(event: Mapping[str, Any], body_limit: int) -> ReceivedRequest:
    if event.get("version") == "2.0":
        return from_payload_v2(event, body_limit)
    return from_payload_v1(event, body_limit)


def from_payload_v1(event: Mapping[str, Any], body_limit: int) -> ReceivedRequest:
    """REST API (payload 1.0): names as sent, repeats in multiValueHeaders; no raw query string."""
    multi_headers = event.get("multiValueHeaders") or {
        name: [value] for name, value in (event.get("headers") or {}).items()
    }
    identity = (event.get("requestContext") or {}).get("identity") or {}
    return ReceivedRequest(
        query_string=rebuilt_query_string(event.get("multiValueQueryStringParameters") or {}),
        headers=[(name, value) for name, values in multi_headers.items() for value in values or []],
        body=event_body(event, body_limit),
        client_address=ip_address_or_none(identity.get("sourceIp") or ""),
    )


def from_payload_v2(event: Mapping[str, Any], body_limit: int) -> ReceivedRequest:
    """HTTP API and Function URLs (payload 2.0): the raw query string; header names arrive lower-cased
    and repeats comma-joined by the gateway; cookies arrive apart and are put back as one header."""
    headers = list((event.get("headers") or {}).items())
    if event.get("cookies"):
        headers.append(("cookie", "; ".join(event["cookies"])))
    http = (event.get("requestContext") or {}).get("http") or {}
    return ReceivedRequest(
        query_string=event.get("rawQueryString") or "",
        headers=headers,
        body=event_body(event, body_limit),
        client_address=ip_address_or_none(http.get("sourceIp") or ""),
    )


def rebuilt_query_string(parameters: Mapping[str, Iterable[str]]) -> str:
    """REST API v1 hands over decoded parameters, not the query string: re-encode them losslessly
    (percent-encoding, %20 for spaces, every repeat kept). The original order across different
    keys and the original encoding choices are gone before the event reaches us."""
    return urlencode(
        [(key, value) for key, values in parameters.items() for value in values], quote_via=quote
    )


def event_body(event: Mapping[str, Any], limit: int) -> bytes:
    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else str(raw).encode("utf-8")
    if len(body) > limit:
        raise BodyTooLarge(len(body), limit)
    return body
