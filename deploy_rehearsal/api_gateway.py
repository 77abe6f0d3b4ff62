"""A local API Gateway (REST API, Lambda proxy integration) behind an HTTPS CONNECT proxy.

`zappa deploy`/`update` end with ``requests.get("https://<api id>.execute-api.<region>.amazonaws.com/
<stage><touch_path>")`` and fail on a 5xx. In the rehearsal the CLI runs with ``HTTPS_PROXY`` set to
this server and ``REQUESTS_CA_BUNDLE`` set to its CA, so that request arrives here instead of the
internet. A CONNECT is accepted only for an execute-api host whose API exists in moto; anything else
(the CLI's PyPI version check, say) is refused with 403 and logged, so the rehearsal never reaches
out. Inside the tunnel it terminates TLS with a certificate for ``*.execute-api.<region>.amazonaws.com``
and does what API Gateway does with the API the CLI created, read back from moto: find the deployed
stage, match the resource (``/`` or the greedy ``/{proxy+}``) and its method, take the AWS_PROXY
integration's function, send it a REST API (payload 1.0) event, and turn the function's answer into
the HTTP response (502 when the function fails, as API Gateway answers).
"""

from __future__ import annotations

import base64
import re
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from deploy_rehearsal.lambda_events import rest_api_v1_event
from deploy_rehearsal.local_lambda import FunctionError, LocalLambda
from deploy_rehearsal.moto_server import REGION, MotoServer
from local_rds_proxy import CertificatePaths, make_test_certificates

API_HOST = re.compile(rf"^(?P<api_id>[a-z0-9]+)\.execute-api\.{re.escape(REGION)}\.amazonaws\.com$")
WILDCARD_NAME = f"*.execute-api.{REGION}.amazonaws.com"
FUNCTION_IN_URI = re.compile(r"/functions/(?P<function>arn:[^/]+)/invocations$")
# API Gateway sets these itself (host, client address, TLS termination) and drops hop-by-hop ones.
GATEWAY_HEADERS = {"host", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "connection"}


@dataclass(frozen=True)
class ForwardedRequest:
    """One request the gateway answered: what came in, which function served it, what went out."""

    method: str
    host: str
    path: str
    status: int
    function: str | None


class NoRoute(Exception):
    """API Gateway's own answer when no deployed route matches (before any function runs)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class LocalApiGateway:
    aws: MotoServer
    lambdas: LocalLambda
    certificates: CertificatePaths
    forwarded: list[ForwardedRequest] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    # Requests answered 5xx by the gateway itself: the function failed (502) or the gateway did (500).
    failures: list[str] = field(default_factory=list)

    @classmethod
    def with_new_certificate(cls, aws: MotoServer, lambdas: LocalLambda, directory: Path) -> LocalApiGateway:
        certificates = make_test_certificates(directory, (f"DNS:{WILDCARD_NAME}",), common_name=WILDCARD_NAME)
        return cls(aws, lambdas, certificates)

    def __enter__(self) -> LocalApiGateway:
        self.tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls_context.load_cert_chain(self.certificates.server_cert, self.certificates.server_key)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), ConnectHandler)
        self._server.gateway = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-api-gateway", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def client_environment(self) -> dict[str, str]:
        """Route a process's HTTPS through this proxy and trust its certificate (requests reads both)."""
        return {
            "HTTPS_PROXY": self.proxy_url,
            "HTTP_PROXY": self.proxy_url,  # plain HTTP is refused too: nothing leaves the machine
            "NO_PROXY": "127.0.0.1,localhost",  # moto and the database stand-in
            "REQUESTS_CA_BUNDLE": str(self.certificates.ca_cert),
        }

    def accepts_tunnel_to(self, authority: str) -> bool:
        host, _, port = authority.rpartition(":")
        match = API_HOST.match(host)
        if port != "443" or match is None:
            return False
        try:
            self.aws.client("apigateway").get_rest_api(restApiId=match["api_id"])
        except ClientError:
            return False
        return True

    def route(self, api_id: str, stage: str, method: str, path: str) -> str:
        """The function ARN API Gateway would invoke for this request, or NoRoute."""
        apigateway = self.aws.client("apigateway")
        try:
            apigateway.get_stage(restApiId=api_id, stageName=stage)
        except ClientError as error:
            raise NoRoute(403, "Forbidden") from error
        resources = apigateway.get_resources(restApiId=api_id, embed=["methods"])["items"]
        resource = matching_resource(resources, path)
        methods = (resource or {}).get("resourceMethods", {})
        integration = (methods.get(method) or methods.get("ANY") or {}).get("methodIntegration", {})
        target = FUNCTION_IN_URI.search(integration.get("uri", ""))
        if integration.get("type") != "AWS_PROXY" or target is None:
            raise NoRoute(403, "Missing Authentication Token")
        return target["function"]

    def answer(
        self, method: str, host: str, target: str, headers: list[tuple[str, str]], body: bytes, client_ip: str
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Status, headers and body API Gateway would send for this request."""
        api_id = host.split(".")[0]
        url = urlsplit(target)
        stage, _, rest = url.path.lstrip("/").partition("/")
        function = None
        try:
            function = self.route(api_id, stage, method, "/" + rest)
            event = rest_api_v1_event(
                method,
                "/" + rest,
                stage,
                url.query,
                [(name, value) for name, value in headers if name.lower() not in GATEWAY_HEADERS],
                body or None,
                host=host,
                source_ip=client_ip,
            )
            status, response_headers, response_body = proxy_response(self.lambdas.invoke(function, event))
        except NoRoute as no_route:
            status, response_headers, response_body = json_message(no_route.status, no_route.message)
        except FunctionError as error:
            self.failures.append(f"{method} {url.path}: {error}")
            status, response_headers, response_body = json_message(502, "Internal server error")
        except Exception as error:  # a bug of the rehearsal's gateway: answered and reported, never hidden
            self.failures.append(f"{method} {url.path}: gateway error {error!r}")
            status, response_headers, response_body = json_message(500, "Internal server error")
        self.forwarded.append(ForwardedRequest(method, host, url.path, status, function))
        return status, [*response_headers, ("x-amzn-RequestId", str(uuid.uuid4()))], response_body


def matching_resource(resources: list[dict[str, Any]], path: str) -> dict[str, Any] | None:
    """The resource for ``path``: an exact match first, else the greedy ``{proxy+}`` under a prefix."""
    for resource in resources:
        if resource["path"] == path:
            return resource
    for resource in resources:
        prefix = resource["path"].removesuffix("{proxy+}")
        if resource["path"].endswith("{proxy+}") and path.startswith(prefix) and path != prefix.rstrip("/"):
            return resource
    return None


def proxy_response(result: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """A Lambda proxy integration result (payload 1.0) as status, header list and body bytes."""
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    multi = result.get("multiValueHeaders") or {}
    headers = [(name, value) for name, values in multi.items() for value in values]
    headers += [(name, value) for name, value in (result.get("headers") or {}).items() if name not in multi]
    return int(result["statusCode"]), headers, raw


def json_message(status: int, message: str) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("Content-Type", "application/json")], f'{{"message":"{message}"}}'.encode()


class ConnectHandler(BaseHTTPRequestHandler):
    """The proxy side: CONNECT to a deployed API opens a TLS tunnel; everything else is refused."""

    server: Any

    def do_CONNECT(self) -> None:
        gateway: LocalApiGateway = self.server.gateway
        if not gateway.accepts_tunnel_to(self.path):
            self.refuse()
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        tunnel = gateway.tls_context.wrap_socket(self.connection, server_side=True)
        ApiRequestHandler(tunnel, self.client_address, self.server)
        self.close_connection = True

    def refuse(self) -> None:
        self.server.gateway.refused.append(f"{self.command} {self.path}")
        self.send_error(403, "the rehearsal's proxy reaches only APIs deployed to moto")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = refuse

    def log_message(self, format: str, *args: Any) -> None:
        pass  # ForwardedRequest and `refused` are the log


class ApiRequestHandler(BaseHTTPRequestHandler):
    """Inside the tunnel: each HTTPS request, answered as API Gateway would."""

    server: Any

    def forward(self) -> None:
        gateway: LocalApiGateway = self.server.gateway
        length = int(self.headers.get("Content-Length") or 0)
        status, headers, body = gateway.answer(
            self.command,
            self.headers.get("Host", ""),
            self.path,
            list(self.headers.items()),
            self.rfile.read(length),
            self.client_address[0],
        )
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = forward

    def log_message(self, format: str, *args: Any) -> None:
        pass
