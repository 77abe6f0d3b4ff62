"""A local Secrets Manager endpoint that answers GetSecretValue for one secret, over plain HTTP.

The production stage reads Django's secret key from Secrets Manager at every cold start
(webhook_site.secret_key). B5 times that read inside a started function: botocore builds a
Secrets Manager client, signs the request and sends it here (AWS_ENDPOINT_URL_SECRETS_MANAGER, which
botocore honours for this service). Only the function's side is modelled: no TLS, no VPC endpoint,
no signature check. Wire format: AWS JSON 1.1 (X-Amz-Target: secretsmanager.GetSecretValue), as in
https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html.
moto's server mode would answer the same but needs Flask and about 30 more packages.
"""

from __future__ import annotations

import json
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

from bench.local_http_server import LocalHTTPServer, send_body

GET_SECRET_VALUE = "secretsmanager.GetSecretValue"  # noqa: S105 - an operation name
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"


class SecretsManagerStub:
    """Serves ``secret_string`` as the current version of ``secret_arn`` on 127.0.0.1, in a thread."""

    def __init__(self, secret_arn: str, secret_string: str) -> None:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                status, payload = stub.answer(self.headers.get("X-Amz-Target", ""), request)
                send_body(self, status, json.dumps(payload).encode(), JSON_CONTENT_TYPE)

        self.secret_arn, self.secret_string = secret_arn, secret_string
        self.reads = 0
        self._http = LocalHTTPServer(Handler, "secrets-manager-stub")

    @property
    def endpoint_url(self) -> str:
        return f"http://{self._http.address}"

    def answer(self, target: str, request: dict[str, Any]) -> tuple[HTTPStatus, dict[str, Any]]:
        if target != GET_SECRET_VALUE:
            return HTTPStatus.BAD_REQUEST, {"__type": "UnknownOperationException", "message": target}
        if request.get("SecretId") != self.secret_arn:
            message = "Secrets Manager can't find the specified secret."
            return HTTPStatus.BAD_REQUEST, {"__type": "ResourceNotFoundException", "Message": message}
        self.reads += 1
        return HTTPStatus.OK, {
            "ARN": self.secret_arn,
            "Name": self.secret_arn.rsplit(":", 1)[-1],
            "SecretString": self.secret_string,
            "VersionId": "00000000-0000-0000-0000-000000000001",
            "VersionStages": ["AWSCURRENT"],
            "CreatedDate": time.time(),
        }

    def __enter__(self) -> SecretsManagerStub:
        self._http.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.stop()
