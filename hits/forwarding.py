"""Forward captured hits to another server, as they were received (``manage.py forward_hits``).

Three parts, each on its own: the source (the site's JSON API, read with urllib, which honours
HTTP(S)_PROXY and NO_PROXY), the replay (http.client, so the request line, each header in order,
repeated ones included, and the body go out exactly as planned: no header is added or merged), and
the state file (the last forwarded id, written atomically after each hit, so a restart resumes
where it stopped).

What a replay changes, and why:
- hop-by-hop headers (RFC 9110 7.6.1) and those a ``Connection`` header names are dropped: they
  described the captured connection, not the request;
- headers stored redacted (``[redacted]``, hits/capture.py) are dropped: the secret was never kept;
- ``Host`` becomes the target's (or ``--host-header``); ``Content-Length`` is the body's length
  (equal to the original unless the sender used chunked coding, whose framing is not kept);
- the path can have a prefix stripped and another added.
Paths are stored decoded (WSGI decodes %XX), so they are sent percent-encoded as UTF-8; header
values are sent as UTF-8.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import ssl
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from hits.capture import REDACTED

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "proxy-authenticate",
        "proxy-authorization",
    }
)
# The characters a path may carry unescaped (RFC 3986 pchar and "/").
PATH_SAFE = "/!$&'()*+,;=:@-._~"
API_PAGE_SIZE = 100
NOT_FOUND = 404


class ForwardingError(Exception):
    """The forwarder cannot go on; the message says what to do. ``status``: the API's, if it answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Target:
    """Where hits go and how requests are rewritten on the way."""

    url: str
    host_header: str | None = None
    strip_prefix: str = ""
    add_prefix: str = ""

    @property
    def parts(self) -> Any:
        return urlsplit(self.url)

    def request_target(self, path: str, query_string: str) -> str:
        if self.strip_prefix and path.startswith(self.strip_prefix):
            path = "/" + path[len(self.strip_prefix) :].lstrip("/")
        path = self.parts.path.rstrip("/") + self.add_prefix.rstrip("/") + path
        encoded = quote(path.encode("utf-8"), safe=PATH_SAFE)
        return f"{encoded}?{query_string}" if query_string else encoded


@dataclass(frozen=True)
class Replay:
    """One request as it will be sent: method, request target, headers in order, body."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes


def connection_tokens(stored: Sequence[Sequence[str]]) -> set[str]:
    """The (lower-cased) header names a Connection header lists: hop-by-hop for that connection only."""
    return {
        token.strip().lower()
        for name, value in stored
        if name.lower() == "connection"
        for token in value.split(",")
    }


def replay_headers(stored: Sequence[Sequence[str]], host: str, body_length: int) -> list[tuple[str, str]]:
    named_by_connection = connection_tokens(stored)
    headers: list[tuple[str, str]] = []
    has_length = False
    for name, value in stored:
        lowered = name.lower()
        if lowered in HOP_BY_HOP or lowered in named_by_connection or is_redacted(value):
            continue
        if lowered == "host":
            value = host
        elif lowered == "content-length":
            if has_length:
                continue  # a second one (folded or repeated) would make the request ambiguous
            value, has_length = str(body_length), True
        headers.append((name, value))
    if not any(name.lower() == "host" for name, _value in headers):
        headers.insert(0, ("Host", host))
    if body_length and not has_length:
        headers.append(("Content-Length", str(body_length)))
    return headers


def is_redacted(value: str) -> bool:
    return value == REDACTED or value.endswith(" " + REDACTED)


def plan_replay(hit: dict[str, Any], target: Target) -> Replay:
    """The request to send for one hit (the API's detail representation)."""
    body = base64.b64decode(hit["body_base64"])
    host = target.host_header or target.parts.netloc
    return Replay(
        method=hit["method"],
        target=target.request_target(hit["path"], hit["query_string"]),
        headers=replay_headers(hit["headers"], host, len(body)),
        body=body,
    )


# --- sending ---------------------------------------------------------------------------------------


def proxy_for(url: str) -> str | None:
    """The proxy URL the environment sets for ``url`` (HTTPS_PROXY / HTTP_PROXY, minus NO_PROXY)."""
    parts = urlsplit(url)
    if urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return urllib.request.getproxies().get(parts.scheme)


def open_connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
    """A connection to ``url``'s server, through the environment's proxy if any; the flag says the
    request line must carry the absolute URL (plain HTTP through a proxy)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    proxy = proxy_for(url)
    if proxy is None:
        if parts.scheme == "https":
            context = ssl.create_default_context()
            return http.client.HTTPSConnection(
                parts.hostname or "", port, timeout=timeout, context=context
            ), False
        return http.client.HTTPConnection(parts.hostname or "", port, timeout=timeout), False
    proxy_parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    proxy_port = proxy_parts.port or 8080
    if parts.scheme == "https":
        context = ssl.create_default_context()
        connection = http.client.HTTPSConnection(
            proxy_parts.hostname or "", proxy_port, timeout=timeout, context=context
        )
        connection.set_tunnel(parts.hostname or "", port)
        return connection, False
    return http.client.HTTPConnection(proxy_parts.hostname or "", proxy_port, timeout=timeout), True


@dataclass(frozen=True)
class Delivery:
    status: int
    seconds: float


def send(replay: Replay, target: Target, timeout: float) -> Delivery:
    connection, absolute = open_connection(target.url, timeout)
    parts = target.parts
    request_target = f"{parts.scheme}://{parts.netloc}{replay.target}" if absolute else replay.target
    started = time.perf_counter()
    try:
        connection.putrequest(replay.method, request_target, skip_host=True, skip_accept_encoding=True)
        for name, value in replay.headers:
            connection.putheader(name, value.encode("utf-8"))
        connection.endheaders(replay.body or None)
        response = connection.getresponse()
        response.read()
        return Delivery(response.status, time.perf_counter() - started)
    finally:
        connection.close()


# --- the source: the site's JSON API ---------------------------------------------------------------


@dataclass
class Source:
    """The site's JSON API at ``site_url`` (the URL its hits are captured under, stage included)."""

    site_url: str
    token: str | None
    filter_query: str = ""
    ui_prefix: str = "_"
    timeout: float = 30.0
    opener: urllib.request.OpenerDirector = field(default_factory=urllib.request.build_opener)

    def api_url(self, tail: str) -> str:
        return f"{self.site_url.rstrip('/')}/{self.ui_prefix.strip('/')}/api/{tail}"

    def get(self, tail: str) -> Any:
        # The command checked the scheme is http(s) (check_url), so no file: or custom scheme gets here.
        request = urllib.request.Request(self.api_url(tail), headers={"Accept": "application/json"})  # noqa: S310
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            message = f"{self.api_url(tail)} answered {error.code}: {api_error_text(error)}"
            raise ForwardingError(message, error.code) from error
        except (urllib.error.URLError, OSError) as error:
            raise ForwardingError(f"cannot read {self.api_url(tail)}: {error}") from error

    def newest_id(self) -> int:
        results = self.get("hits?limit=1")["results"]
        return int(results[0]["id"]) if results else 0

    def hits_after(self, after: int) -> list[dict[str, Any]]:
        query = urlencode({"after": after, "limit": API_PAGE_SIZE})
        if self.filter_query:
            query += "&" + self.filter_query
        return list(self.get(f"hits?{query}")["results"])

    def hit(self, hit_id: int) -> dict[str, Any] | None:
        """The hit with its body; None if it was deleted since it was listed."""
        try:
            return dict(self.get(f"hits/{hit_id}"))
        except ForwardingError as error:
            if error.status == NOT_FOUND:
                return None
            raise


def api_error_text(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.load(error)["error"])
    except (ValueError, KeyError, TypeError):
        return str(error.reason)


# --- the state file --------------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    site_url: str
    filter_query: str
    after: int

    @classmethod
    def load(cls, path: Path) -> State | None:
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text())
            return cls(str(data["from"]), str(data["filter"]), int(data["after"]))
        except (ValueError, KeyError, TypeError) as error:
            raise ForwardingError(
                f"state file {path} is not one forward_hits wrote ({error}): remove it"
            ) from error

    def save(self, path: Path) -> None:
        """Atomically: a crash leaves the old state or the new one, never half of one."""
        data = json.dumps({"from": self.site_url, "filter": self.filter_query, "after": self.after})
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=path.name, delete=False) as file:
            file.write(data + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(file.name, path)


def new_hits(source: Source, after: int) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(id, hit with its body) for the hits after ``after`` that exist now, oldest first; the hit is
    None when it was deleted between the listing and the fetch (its id still counts as done)."""
    while batch := source.hits_after(after):
        for summary in batch:
            after = int(summary["id"])
            yield after, source.hit(after)
