"""A tiny HTTP endpoint: ``GET /stats`` returns the metrics as JSON (stdlib asyncio, no framework)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

MAX_REQUEST_HEAD_BYTES = 8192


async def start_stats_endpoint(
    host: str, port: int, snapshot: Callable[[], dict[str, Any]]
) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
            request_line = head[:MAX_REQUEST_HEAD_BYTES].split(b"\r\n", 1)[0].decode("latin-1")
            method, path, *_ = [*request_line.split(" "), "", ""]
            if method == "GET" and path.split("?", 1)[0] in ("/stats", "/stats/"):
                await _respond(writer, 200, "OK", json.dumps(snapshot(), indent=2, sort_keys=True))
            else:
                await _respond(writer, 404, "Not Found", json.dumps({"error": "try GET /stats"}))
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass  # a broken or slow request gets no answer; nothing to report
        finally:
            writer.close()

    return await asyncio.start_server(handle, host, port)


async def _respond(writer: asyncio.StreamWriter, status: int, reason: str, body: str) -> None:
    data = body.encode()
    writer.write(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
        + data
    )
    await writer.drain()
