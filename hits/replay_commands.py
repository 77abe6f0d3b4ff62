"""A captured hit as a command that sends it again: cURL, HTTPie and Python requests.

Each command reproduces the method, path, query string, headers (in order, repeats kept) and the
body byte for byte. Left out: hop-by-hop headers and those Connection names (hits/forwarding.py's
rules, which forward_hits applies too), the ones a client computes from what it sends
(Host, Content-Length, Expect), redacted ones (their value was never stored), and any with a control
character (line breaks cannot be sent in one header; escapes are unsafe to paste into a terminal).
Bodies that are not printable text travel as base64 through ``base64 -d`` for the same reason.
Headers a client would add on its own (User-Agent, Accept, a form Content-Type) are switched off
when the original request had none.
tests/hits/test_replay_commands.py runs all three against a raw socket server and compares the
bytes received. HTTPie and requests (which HTTPie is built on) re-quote [ ] { } in URLs; HTTPie
groups a repeated header's values together and requests joins them with ", " (its headers are a
mapping); requests always sends some User-Agent.
"""

from __future__ import annotations

import base64
import shlex
import string
from dataclasses import dataclass
from urllib.parse import quote

from hits.downloads import body_file_name
from hits.forwarding import HOP_BY_HOP, PATH_SAFE, connection_tokens, is_redacted
from hits.models import Hit

CLIENT_COMPUTED_HEADERS = frozenset({"host", "content-length", "expect"})
# Larger bodies are read from the downloaded body file instead of being spelt out in the command:
# the detail page shows three commands, each escaped twice (shell, then HTML: up to ~25 bytes per
# body byte for a body of quotes), and must stay far below Lambda's 6 MB response limit.
INLINE_BODY_LIMIT = 16 * 1024
# Query strings are stored as sent (already encoded): keep every printable ASCII character as it was
# but "#" (it would start a fragment, which clients never send); encode spaces and anything else.
QUERY_SAFE = string.punctuation.replace("#", "")
CURL_DEFAULT_HEADERS = ("User-Agent", "Accept")
HTTPIE_DEFAULT_HEADERS = ("User-Agent", "Accept", "Accept-Encoding")
# Not User-Agent or Accept-Encoding: told to send none, urllib3 and http.client send their own.
REQUESTS_DEFAULT_HEADERS = ("Accept",)
# curl sends "Expect: 100-continue" and waits for an answer before larger bodies.
CURL_EXPECT_THRESHOLD = 1024


@dataclass(frozen=True)
class ReplayRequest:
    """What the commands send: the hit's request aimed at ``url``'s origin."""

    hit_id: int
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes

    def has_header(self, name: str) -> bool:
        return any(key.lower() == name.lower() for key, _ in self.headers)

    @property
    def inline_body(self) -> bool:
        return len(self.body) <= INLINE_BODY_LIMIT

    @property
    def body_text(self) -> str | None:
        """The body as text fit to paste into a terminal (printable, newlines and tabs), else None."""
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return text if pasteable(text, allowed="\n\t") else None


def replayable(name: str, value: str, named_by_connection: frozenset[str]) -> bool:
    lowered = name.lower()
    if lowered in HOP_BY_HOP or lowered in named_by_connection or lowered in CLIENT_COMPUTED_HEADERS:
        return False
    if is_redacted(value):
        return False
    # Control characters would not survive as one header, and pasted into a terminal an escape
    # sequence could end bracketed paste and run what follows: such headers are left out.
    return pasteable(name + value, allowed="\t")


def pasteable(text: str, allowed: str) -> bool:
    return all(character.isprintable() or character in allowed for character in text)


def replay_request(hit: Hit, target: str) -> ReplayRequest:
    """``hit`` sent to ``target`` (scheme://host[:port], optionally a path prefix) instead."""
    url = target.rstrip("/") + quote(hit.path, safe=PATH_SAFE)
    if hit.query_string:
        url += "?" + quote(hit.query_string, safe=QUERY_SAFE)
    connection_named = frozenset(connection_tokens(hit.headers))
    headers = [
        (str(name), str(value)) for name, value in hit.headers if replayable(name, value, connection_named)
    ]
    return ReplayRequest(hit.id, hit.method, url, headers, bytes(hit.body))


def shell_lines(lines: list[list[str]]) -> str:
    """Quoted words, one group per line, joined with backslash continuations."""
    return " \\\n  ".join(" ".join(shlex.quote(word) for word in line) for line in lines)


def body_on_stdin(request: ReplayRequest) -> str:
    """The start of a shell pipeline that writes the body to the client's stdin."""
    if not request.inline_body:
        return f"cat {shlex.quote(body_file_name(request.hit_id))} | "
    text = request.body_text
    if text is not None:
        return f"printf %s {shlex.quote(text)} | "
    return f"printf %s {base64.b64encode(request.body).decode('ascii')} | base64 -d | "


def curl_command(request: ReplayRequest) -> str:
    # --globoff: [] and {} in a URL are curl glob patterns; --path-as-is: keep /../ and /./ segments.
    lines = [["curl", "--globoff", "--path-as-is"]]
    if request.method == "HEAD":
        lines.append(["--head"])
    elif request.method != ("POST" if request.body else "GET"):  # what curl sends without -X
        lines.append(["-X", request.method])
    lines.append([request.url])
    for name, value in request.headers:
        # "Name:" would remove a header; "Name;" is curl's spelling of an empty one.
        lines.append(["-H", f"{name}: {value}" if value else f"{name};"])
    switched_off = [name for name in CURL_DEFAULT_HEADERS if not request.has_header(name)]
    if request.body and not request.has_header("Content-Type"):
        switched_off.append("Content-Type")
    if len(request.body) > CURL_EXPECT_THRESHOLD:
        switched_off.append("Expect")
    lines.extend(["-H", f"{name}:"] for name in switched_off)
    if not request.body:
        return shell_lines(lines)
    lines.append(["--data-binary", "@-"])
    return body_on_stdin(request) + shell_lines(lines)


def httpie_command(request: ReplayRequest) -> str:
    # A request item is "Name:value" (a header), "Name;" (an empty one) or "Name:" (do not send it).
    lines = [["http", "--path-as-is"]]
    if not request.body:
        lines[0].append("--ignore-stdin")
    lines.append([request.method, request.url])
    for name, value in request.headers:
        lines.append([f"{name}:{value}" if value else f"{name};"])
    lines.extend([f"{name}:"] for name in HTTPIE_DEFAULT_HEADERS if not request.has_header(name))
    if request.body and not request.has_header("Content-Type"):
        lines.append(["Content-Type:"])
    return (body_on_stdin(request) if request.body else "") + shell_lines(lines)


def python_literal(value: str) -> str:
    """A str literal for ASCII, else a UTF-8 bytes literal: http.client would encode text as Latin-1."""
    return repr(value) if value.isascii() else repr(value.encode("utf-8"))


def requests_snippet(request: ReplayRequest) -> str:
    """Python using requests. Its headers are a mapping, so repeated headers are sent comma-joined; it
    percent-encodes characters such as [ ] { } in the URL and always sends some User-Agent."""
    merged: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for name, value in request.headers:
        names.setdefault(name.lower(), name)
        merged.setdefault(name.lower(), []).append(value)
    header_lines = [
        f"        {names[key]!r}: {python_literal(', '.join(values))}," for key, values in merged.items()
    ]
    # None removes a header requests would otherwise add itself.
    header_lines += [
        f"        {name!r}: None," for name in REQUESTS_DEFAULT_HEADERS if not request.has_header(name)
    ]
    if request.inline_body:
        data = repr(request.body)
    else:
        data = f"pathlib.Path({body_file_name(request.hit_id)!r}).read_bytes()"  # the downloaded body
    imports = "import pathlib\n\nimport requests" if not request.inline_body else "import requests"
    return "\n".join(
        [
            imports,
            "",
            "response = requests.request(",
            f"    {request.method!r},",
            f"    {request.url!r},",
            "    headers={",
            *header_lines,
            "    },",
            f"    data={data},",
            ")",
            "print(response.status_code, response.reason)",
        ]
    )


@dataclass(frozen=True)
class Command:
    slug: str
    label: str
    text: str


def replay_commands(request: ReplayRequest) -> list[Command]:
    """The commands the detail page offers, cURL first."""
    return [
        Command("curl", "cURL", curl_command(request)),
        Command("httpie", "HTTPie", httpie_command(request)),
        Command("python", "Python requests", requests_snippet(request)),
    ]
