"""moto in server mode, in a process of its own: the AWS API the rehearsal's zappa CLI talks to.

The zappa CLI runs as a subprocess, exactly as an operator runs it, so moto cannot be patched into it
(``mock_aws``); boto3 reaches this server through the ``AWS_ENDPOINT_URL`` variable instead. The
server binds 127.0.0.1 on a port the kernel picks (no race for a "free" port) and reports it on its
first output line. Every request is logged with the status moto answered, so the rehearsal can list
exactly which calls the CLI made and which of them moto refused, and can read the requests whose
effect moto does not model (docs/deploy.md, "Rehearsed locally").

    python -m deploy_rehearsal.moto_server --request-log FILE     # prints "port <n>", serves until killed
"""

from __future__ import annotations

import argparse
import io
import json
import re
import select
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3

# The stage's region is the local stack's: the stand-in checks the functions' tokens for it.
from local_stack import REGION as REGION

# moto accepts any credentials; these only have to look like keys. Never real ones.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAREHEARSAL0000001",
    "AWS_SECRET_ACCESS_KEY": "rehearsal-not-a-secret",
}
START_TIMEOUT_SECONDS = 60  # moto imports its backends lazily; the first start on a cold disk is slow
LOGGED_BODY_LIMIT = 64 * 1024  # small API calls are logged whole; code uploads (megabytes) are not
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


@dataclass(frozen=True)
class LoggedRequest:
    """One call moto answered: which service (from the SigV4 scope), what, and with which status."""

    service: str
    method: str
    path: str
    query: str
    target: str  # X-Amz-Target of JSON-protocol services (events, logs, ...), else ""
    status: int
    body: str | None  # see loggable_body: None for a large body that is not JSON

    @property
    def operation(self) -> str:
        action = re.search(r"(?:^|&)Action=(\w+)", self.body or "") if self.method == "POST" else None
        if self.target:
            return self.target.rsplit(".", 1)[-1]
        if action:
            return action.group(1)
        return f"{self.method} {self.path}"


class MotoServer:
    """Start, address and stop the moto server process; read its request log."""

    def __init__(self, request_log: Path) -> None:
        self.request_log = request_log
        self._process: subprocess.Popen[str] | None = None
        self.endpoint_url = ""

    def __enter__(self) -> MotoServer:
        self.request_log.write_text("")
        self._process = subprocess.Popen(  # noqa: S603 - this interpreter on our own module
            [sys.executable, "-m", "deploy_rehearsal.moto_server", "--request-log", str(self.request_log)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # werkzeug's access log; the request log holds the same and more
            text=True,
        )
        self.endpoint_url = f"http://127.0.0.1:{self._read_port()}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=30)

    def _read_port(self) -> int:
        assert self._process is not None
        assert self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], START_TIMEOUT_SECONDS)
        line = self._process.stdout.readline() if ready else ""  # the server prints nothing else there
        if not line.startswith("port "):
            self._process.kill()
            raise RuntimeError(f"moto server did not start (said {line!r}); run: python -m {__name__}")
        return int(line.split()[1])

    def client_environment(self) -> dict[str, str]:
        """What a process needs so that boto3 (and Zappa's) clients talk to this server and nothing else."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            # No operator's profile, config or cached credentials may take part.
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_EC2_METADATA_DISABLED": "true",
            **FAKE_CREDENTIALS,
        }

    def client(self, service: str) -> Any:
        session = boto3.session.Session(
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=REGION,
        )
        # Any service by name: boto3-stubs types only literal service names.
        make_client: Callable[..., Any] = session.client
        return make_client(service, endpoint_url=self.endpoint_url)

    def requests(self) -> list[LoggedRequest]:
        lines = self.request_log.read_text().splitlines()
        return [LoggedRequest(**json.loads(line)) for line in lines if line]


def loggable_body(body: bytes) -> str | None:
    """The body, whole when small; a large JSON body (CreateFunction with the zip inline) with its
    long strings elided, so its settings (e.g. SnapStart) stay checkable; other large bodies: None."""
    if len(body) <= LOGGED_BODY_LIMIT:
        return body.decode("utf-8", "replace")
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return json.dumps(_elide_long_strings(document))


def _elide_long_strings(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _elide_long_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_elide_long_strings(item) for item in value]
    if isinstance(value, str) and len(value) > LOGGED_BODY_LIMIT:
        return f"<{len(value)} characters elided>"
    return value


# --- the server process ------------------------------------------------------------------------

StartResponse = Callable[..., Any]


class RequestLog:
    """WSGI middleware: append one JSON line per request, with moto's status, to ``path``."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]], path: Path) -> None:
        self.app = app
        self.path = path

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        statuses: list[int] = []

        def recording_start_response(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            statuses.append(int(status.split()[0]))
            return start_response(status, headers, *args)

        # The whole answer first, then the log line, then the answer goes out: a client that reads
        # the log after its call returned always finds the call in it.
        response = list(self.app(environ, recording_start_response))
        scope = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        entry = LoggedRequest(
            service=scope.group(1) if scope else "",
            method=environ["REQUEST_METHOD"],
            path=environ.get("PATH_INFO", ""),
            query=environ.get("QUERY_STRING", ""),
            target=environ.get("HTTP_X_AMZ_TARGET", ""),
            status=statuses[0] if statuses else 0,
            body=loggable_body(body),
        )
        with self.path.open("a") as log:
            log.write(json.dumps(entry.__dict__) + "\n")
        return response


class MissingOperations:
    """WSGI middleware: calls the zappa CLI makes that moto 5.2.5 lacks, answered from moto's own state.

    One so far: ``zappa update`` with no function URL configured calls ListFunctionUrlConfigs
    (``GET /2021-10-31/functions/<name or ARN>/urls``, core.delete_lambda_function_url) to delete
    stale ones; moto has no such route and answers an HTML 404, which botocore raises and the CLI
    exits 255 on. Answered with AWS's response shape from the function moto holds.
    """

    FUNCTION_URLS = re.compile(r"^/2021-10-31/functions/(?P<function>[^/]+)/urls/?$")

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        match = self.FUNCTION_URLS.match(environ.get("PATH_INFO", ""))
        if match is None or environ["REQUEST_METHOD"] != "GET":
            return self.app(environ, start_response)
        from moto.awslambda.exceptions import LambdaClientError
        from moto.awslambda.models import lambda_backends
        from moto.core.models import DEFAULT_ACCOUNT_ID

        try:
            function = lambda_backends[DEFAULT_ACCOUNT_ID][REGION].get_function(unquote(match["function"]))
        except LambdaClientError as error:  # unknown function: moto's own ResourceNotFoundException
            return error(environ, start_response)
        configs = [function.url_config.to_dict()] if function.url_config else []
        body = json.dumps({"FunctionUrlConfigs": configs}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def serve(request_log: Path) -> None:
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    app = RequestLog(MissingOperations(DomainDispatcherApplication(create_backend_app)), request_log)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"port {server.server_port}", flush=True)
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description="moto on 127.0.0.1, logging every request.")
    parser.add_argument("--request-log", type=Path, required=True)
    serve(parser.parse_args().request_log)


if __name__ == "__main__":
    main()
