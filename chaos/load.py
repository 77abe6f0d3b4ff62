"""Concurrent webhook captures, each with a body no other capture has, and every answer kept."""

from __future__ import annotations

import http.client
import itertools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

BODY_BYTES = 512
REQUEST_TIMEOUT_SECONDS = 60
# What a capture's answer says about the stored state (hits.middleware's wording).
NOTHING_STORED = "Nothing was stored."


@dataclass(frozen=True)
class Capture:
    """One request and what came back; ``status`` 0 means no HTTP answer at all."""

    sequence: int
    body: bytes
    status: int
    answer: str
    sent_at: float
    answered_at: float

    @property
    def acknowledged_id(self) -> int | None:
        if self.status != 200:
            return None
        return int(self.answer.split(":")[1].strip(" }\n"))

    @property
    def claims_nothing_stored(self) -> bool:
        return NOTHING_STORED in self.answer


@dataclass
class LoadRun:
    captures: list[Capture] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, capture: Capture) -> None:
        with self.lock:
            self.captures.append(capture)


def unique_body(sequence: int) -> bytes:
    # The sequence number makes it unique; the random tail makes it binary and incompressible.
    return f"chaos-{sequence:08d}-".encode() + os.urandom(BODY_BYTES)


def post(port: int, path: str, body: bytes) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request("POST", path, body, {"Content-Type": "application/octet-stream"})
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    except OSError as error:
        return 0, f"{type(error).__name__}: {error}"
    finally:
        connection.close()


def run_load(
    port: int,
    path_prefix: str,
    total: int,
    clients: int,
    on_progress: Callable[[int], None] = lambda _done: None,
    stop_when: float | None = None,
    at_least_until: Callable[[int], bool] = lambda _sequence: True,
) -> LoadRun:
    """``total`` captures from ``clients`` threads, and more while ``at_least_until(sequence)`` is
    false; fewer if time.monotonic() passes ``stop_when``. ``on_progress`` sees each completed count."""
    run = LoadRun()
    numbers = itertools.count()
    counter_lock = threading.Lock()

    def client() -> None:
        while True:
            with counter_lock:
                sequence = next(numbers)
            if (sequence >= total and at_least_until(sequence)) or (
                stop_when is not None and time.monotonic() >= stop_when
            ):
                return
            body = unique_body(sequence)
            sent_at = time.monotonic()
            status, answer = post(port, f"{path_prefix}{sequence}", body)
            run.add(Capture(sequence, body, status, answer, sent_at, time.monotonic()))
            on_progress(len(run.captures))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return run
