"""A fresh process up to its first answered request, timed phase by phase; prints one JSON line.

``python -m bench.cold_start_probe site <settings dir>``: Zappa's handler for the production stage,
first invocation = a webhook capture through the stand-in. ``python -m bench.cold_start_probe bare``:
the bare Django reference (bench/bare_django) answering the same POST through plain WSGI. The parent
passes its spawn time (time.time_ns) in BENCH_SPAWNED_AT_NS. Work the probe itself adds (building the
event, installing timers) is timed as "harness" and left out of the totals.
"""

import time

ENTERED_NS = time.time_ns()

import json  # noqa: E402 - after the clock: the interpreter's own start-up ends above
import os  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from typing import Any  # noqa: E402

HARNESS = "harness"
STDLIB_SIGNER_MODULE = "bench_stdlib_signer"


class Phases:
    def __init__(self) -> None:
        self.durations: list[tuple[str, float]] = []

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter_ns()
        try:
            yield
        finally:
            self.durations.append((name, (time.perf_counter_ns() - started) / 1e6))

    def harness_ms(self) -> float:
        return sum(milliseconds for name, milliseconds in self.durations if name == HARNESS)


class DatabaseTimer:
    """Times the IAM backend's connect steps and each SQL statement of the first invocation."""

    def __init__(self) -> None:
        self.milliseconds = {"token": 0.0, "tls_login": 0.0, "session_setup": 0.0, "connect_total": 0.0}
        self.statements: list[tuple[str, float]] = []
        self._in_connect = False

    def install(self) -> None:
        from django.db import connections

        from webhook_site.db.mysql_iam import base

        base.mint_auth_token = self._timed(base.mint_auth_token, "token")
        wrapper = base.DatabaseWrapper
        wrapper.get_new_connection = self._timed(wrapper.get_new_connection, "tls_login")  # type: ignore[method-assign]
        wrapper.init_connection_state = self._timed(wrapper.init_connection_state, "session_setup")  # type: ignore[method-assign]
        wrapper.connect = self._timed(wrapper.connect, "connect_total", marks_connect=True)  # type: ignore[method-assign]
        connections["default"].execute_wrappers.append(self._record_statement)

    def _timed(
        self, function: Callable[..., Any], key: str, marks_connect: bool = False
    ) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter_ns()
            self._in_connect |= marks_connect
            try:
                return function(*args, **kwargs)
            finally:
                self.milliseconds[key] += (time.perf_counter_ns() - started) / 1e6
                if marks_connect:
                    self._in_connect = False

        return timed

    def _record_statement(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter_ns()
        try:
            return execute(sql, params, many, context)
        finally:
            if not self._in_connect:
                self.statements.append((" ".join(sql.split())[:70], (time.perf_counter_ns() - started) / 1e6))

    def breakdown(self, invocation_ms: float) -> list[tuple[str, float]]:
        timings = self.milliseconds
        statements_ms = sum(milliseconds for _, milliseconds in self.statements)
        connect_steps = timings["token"] + timings["tls_login"] + timings["session_setup"]
        connect_other = timings["connect_total"] - connect_steps
        request_rest = invocation_ms - timings["connect_total"] - statements_ms
        return [
            ("IAM token (credentials resolved once + botocore signing)", timings["token"]),
            ("TLS connect + proxy login", timings["tls_login"]),
            ("session setup (server-data query)", timings["session_setup"]),
            ("other connect steps (autocommit)", connect_other),
            ("SQL of the request (the INSERT)", statements_ms),
            ("rest of the request (URLconf and views import, middleware, Zappa)", request_rest),
        ]


def site(settings_dir: str, phases: Phases) -> dict[str, Any]:
    with phases.phase(HARNESS):
        sys.path.insert(0, settings_dir)
        from bench.events import LambdaContext, capture_event

        event, context = capture_event(), LambdaContext()
    with phases.phase("import zappa.handler (boto3 included)"):
        from zappa.handler import LambdaHandler
    with phases.phase("Django setup (LambdaHandler init: settings, apps, models, middleware)"):
        handler = LambdaHandler("zappa_settings")
    timer = DatabaseTimer()
    with phases.phase(HARNESS):
        timer.install()
    with phases.phase("first invocation"):
        response = handler.handler(event, context)
    invocation_ms = phases.durations[-1][1]
    with phases.phase(HARNESS):
        token_costs = token_evidence()
    return {
        "status": response.get("statusCode"),
        "breakdown": timer.breakdown(invocation_ms),
        "statements": timer.statements,
        "token_costs": token_costs,
    }


def stdlib_signer() -> Any:
    """local_rds_proxy/iam_token.py alone (hashlib, hmac, urllib.parse), not the whole stand-in package."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "local_rds_proxy" / "iam_token.py"
    spec = importlib.util.spec_from_file_location(STDLIB_SIGNER_MODULE, path)
    assert spec is not None, path
    assert spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[STDLIB_SIGNER_MODULE] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def token_evidence() -> dict[str, float]:
    """What the first token's cost is made of: a second token from the app, and a stdlib-only signer's."""
    from webhook_site.db.iam_auth import mint_auth_token

    started = time.perf_counter_ns()
    mint_auth_token("127.0.0.1", 3306, "webhook_app", os.environ["AWS_REGION"])
    second_ms = (time.perf_counter_ns() - started) / 1e6
    started = time.perf_counter_ns()
    signer = stdlib_signer()
    credential = signer.AwsCredential(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
    signer.build_auth_token("127.0.0.1:3306", "webhook_app", credential, os.environ["AWS_REGION"])
    stdlib_ms = (time.perf_counter_ns() - started) / 1e6
    return {"second_app_token_ms": second_ms, "stdlib_signer_first_token_ms": stdlib_ms}


def bare(phases: Phases) -> dict[str, Any]:
    with phases.phase(HARNESS):
        import io
        from wsgiref.util import setup_testing_defaults

        body = b'{"ref": "refs/heads/main"}'
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/hooks/bench",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
        setup_testing_defaults(environ)
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare_django.settings"
    with phases.phase("import django"):
        from django.core.wsgi import get_wsgi_application
    with phases.phase("Django setup (get_wsgi_application)"):
        application = get_wsgi_application()
    statuses: list[str] = []
    with phases.phase("first request"):
        result = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(result)
        result.close()
    return {"status": int(statuses[0].split()[0]), "breakdown": [], "statements": []}


def main() -> None:
    phases = Phases()
    which = sys.argv[1]
    details = site(sys.argv[2], phases) if which == "site" else bare(phases)
    done_ns = time.time_ns()
    spawned_ns = int(os.environ["BENCH_SPAWNED_AT_NS"])
    startup_ms = (ENTERED_NS - spawned_ns) / 1e6
    report = {
        "app": which,
        "phases": [("Python start-up", startup_ms)]
        + [(name, milliseconds) for name, milliseconds in phases.durations if name != HARNESS],
        "total_ms": (done_ns - spawned_ns) / 1e6 - phases.harness_ms(),
        **details,
    }
    sys.__stdout__.write(json.dumps(report) + "\n")  # type: ignore[union-attr]


if __name__ == "__main__":
    main()
