"""One simulated Lambda container: Zappa's real LambdaHandler for the production stage, over a pipe.

``python -m bench.container_worker <settings dir>``: reads one JSON command per line on stdin and
answers one JSON line on the original stdout. Zappa and Django print to stdout, so everything else
this process prints goes to stderr. Timings are taken here, around the handler call only.
"""

from __future__ import annotations

import cProfile
import datetime
import json
import os
import pstats
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TextIO

from bench.events import LambdaContext, capture_event, page_event
from bench.profile_summary import summarise

# The floor stores what a capture stores, the least way the database allows: the hit and its search
# keys (hits/search_keys.py) in one transaction (START TRANSACTION, two INSERTs, COMMIT).
FLOOR_INSERT = (
    "INSERT INTO hits_hit (received_at, method, path, query_string, headers, body, body_size, "
    "content_type, client_address, user_agent, media_type, path_key) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
FLOOR_KEYS_INSERT = "INSERT INTO hits_hitheader (hit_id, name, value_digest) VALUES (%s, %s, %s)"
STAFF_USER = "bench-staff"


class Container:
    """The handler (built once, as at a Lambda cold start) plus the bench's own commands."""

    def __init__(self) -> None:
        from zappa.handler import LambdaHandler

        self.handler = LambdaHandler("zappa_settings")
        self.context = LambdaContext()
        self.floor_connection: Any = None
        self.floor_row: tuple[Any, ...] | None = None
        self.floor_keys: list[tuple[str, str]] = []

    def invoke_timed(self, events: list[dict[str, Any]]) -> tuple[list[int], int]:
        """Latency of each invocation in ns, and how many answered anything but 200."""
        latencies, failures = [], 0
        for event in events:
            started = time.perf_counter_ns()
            response = self.handler.handler(event, self.context)
            latencies.append(time.perf_counter_ns() - started)
            failures += response.get("statusCode") != 200
        return latencies, failures

    def capture(self, count: int) -> dict[str, Any]:
        latencies, failures = self.invoke_timed([capture_event() for _ in range(count)])
        return {"latencies_ns": latencies, "failures": failures, **self.counters()}

    def get(self, path: str, count: int, cookie: str, query: str = "") -> dict[str, Any]:
        latencies, failures = self.invoke_timed([page_event(path, cookie, query) for _ in range(count)])
        return {"latencies_ns": latencies, "failures": failures}

    def counters(self) -> dict[str, Any]:
        from webhook_site.db.iam_auth import tokens_minted

        return {"tokens_minted": tokens_minted.count}

    def floor_open(self) -> dict[str, Any]:
        """A raw mysqlclient connection with the app's own connect parameters (token, TLS, charset)."""
        import MySQLdb
        from django.db import connections

        from hits.models import Hit

        self.capture(1)
        stored = Hit.objects.order_by("-id").first()
        assert stored is not None
        self.floor_row = (
            stored.method,
            stored.path,
            stored.query_string,
            json.dumps(stored.headers),
            bytes(stored.body),
            stored.body_size,
            stored.content_type,
            stored.client_address,
            stored.user_agent,
            stored.media_type,
            stored.path_key,
        )
        self.floor_keys = list(stored.header_keys.values_list("name", "value_digest"))
        params = connections["default"].get_connection_params()
        params.pop("cursorclass")  # the app's pin-tracking cursor; the floor is plain mysqlclient
        self.floor_connection = MySQLdb.connect(**params)
        return {"opened": True}

    def floor(self, count: int) -> dict[str, Any]:
        assert self.floor_connection is not None, "floor_open first"
        assert self.floor_row is not None, "floor_open first"
        cursor = self.floor_connection.cursor()
        latencies = []
        for _ in range(count):
            row = (datetime.datetime.now(datetime.UTC).replace(tzinfo=None), *self.floor_row)
            started = time.perf_counter_ns()
            cursor.execute("START TRANSACTION")
            cursor.execute(FLOOR_INSERT, row)
            hit_id = cursor.lastrowid
            cursor.executemany(
                FLOOR_KEYS_INSERT, [(hit_id, name, digest) for name, digest in self.floor_keys]
            )
            self.floor_connection.commit()
            latencies.append(time.perf_counter_ns() - started)
        return {"latencies_ns": latencies}

    def profile(self, count: int) -> dict[str, Any]:
        events = [capture_event() for _ in range(count)]
        profiler = cProfile.Profile()
        profiler.enable()
        for event in events:
            self.handler.handler(event, self.context)
        profiler.disable()
        return summarise(pstats.Stats(profiler), count)

    def login_staff(self) -> dict[str, Any]:
        """A staff session (HITS_REQUIRE_LOGIN is on in production); returns its Cookie header."""
        from django.contrib.auth import get_user_model
        from django.test import Client

        user, _ = get_user_model().objects.get_or_create(
            username=STAFF_USER, defaults={"is_staff": True, "is_active": True}
        )
        browser = Client()
        browser.force_login(user)
        return {"cookie": f"sessionid={browser.cookies['sessionid'].value}"}

    def commands(self) -> dict[str, Callable[..., dict[str, Any]]]:
        return {
            "capture": self.capture,
            "get": self.get,
            "counters": self.counters,
            "floor_open": self.floor_open,
            "floor": self.floor,
            "profile": self.profile,
            "login_staff": self.login_staff,
        }


def serve(container: Container, requests: TextIO, answers: TextIO) -> None:
    commands = container.commands()
    for line in requests:
        command = json.loads(line)
        try:
            answer = commands[command.pop("op")](**command)
        except Exception:  # the driver reports it; this container must keep its pipe answering
            answer = {"error": traceback.format_exc()}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


def main() -> None:
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    sys.path.insert(0, sys.argv[1])  # the stage's zappa_settings.py, as Lambda has it in /var/task
    container = Container()
    answers.write(json.dumps({"ready": True}) + "\n")
    answers.flush()
    serve(container, sys.stdin, answers)


if __name__ == "__main__":
    main()
